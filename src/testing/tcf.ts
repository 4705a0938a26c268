/**
 * A minimal IAB TCF v2 core-string parser and builder: only what the EUID operator's consent check
 * reads (special feature opt-ins, purposes, vendor consent and vendor legitimate interest), decoded bit
 * by bit from base64url. Field widths follow the IAB "TC string format" (core segment).
 */
import { javaBase64Decode } from './java-base64.js';

/**
 * The vendor id the EUID operator checks (config `tcf_vendor_id`, default 21 = The Trade Desk).
 *
 * @example
 * ```ts
 * buildTcfConsentString({ vendorConsent: [EUID_TCF_VENDOR_ID] });
 * ```
 */
export const EUID_TCF_VENDOR_ID = 21;
/**
 * Purposes the EUID operator requires: 1, 2, 3, 4, 7, 10 (by consent or legitimate interest).
 *
 * @example
 * ```ts
 * buildTcfConsentString({ purposesConsent: [...EUID_REQUIRED_PURPOSES], specialFeatureOptIns: [1], vendorConsent: [21] });
 * ```
 */
export const EUID_REQUIRED_PURPOSES: readonly number[] = Object.freeze([1, 2, 3, 4, 7, 10]);
/**
 * Special feature 1 (precise geolocation) must also be opted in.
 *
 * @example
 * ```ts
 * buildTcfConsentString({ specialFeatureOptIns: [EUID_REQUIRED_SPECIAL_FEATURE] });
 * ```
 */
export const EUID_REQUIRED_SPECIAL_FEATURE = 1;

/**
 * A set of vendor ids, kept as inclusive ranges so that a range 1..65535 costs nothing.
 *
 * @example
 * ```ts
 * parseTcfConsent(tcString)?.vendorConsent.has(21);
 * ```
 */
export interface VendorSet {
  has(vendorId: number): boolean;
}

/**
 * What the parser extracts from a TC string.
 *
 * @example
 * ```ts
 * const consent: TcfConsent | null = parseTcfConsent(tcString);
 * consent?.specialFeatureOptIns.has(1);
 * ```
 */
export interface TcfConsent {
  version: number;
  specialFeatureOptIns: ReadonlySet<number>;
  purposesConsent: ReadonlySet<number>;
  purposesLITransparency: ReadonlySet<number>;
  vendorConsent: VendorSet;
  vendorLegitimateInterest: VendorSet;
}

class BitReader {
  #offset = 0;
  constructor(private readonly bytes: Buffer) {}

  read(width: number): number {
    let value = 0;
    for (let i = 0; i < width; i++) {
      const bit = this.#offset + i;
      if (bit >= this.bytes.length * 8) throw new RangeError('TC string is truncated');
      value = value * 2 + (((this.bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1);
    }
    this.#offset += width;
    return value;
  }

  skip(width: number): void {
    if (this.#offset + width > this.bytes.length * 8) throw new RangeError('TC string is truncated');
    this.#offset += width;
  }

  flags(width: number): Set<number> {
    const set = new Set<number>();
    for (let i = 1; i <= width; i++) if (this.read(1) === 1) set.add(i);
    return set;
  }
}

function readVendorSection(reader: BitReader): VendorSet {
  const maxVendorId = reader.read(16);
  if (reader.read(1) === 0) {
    const ids = reader.flags(maxVendorId);
    return { has: (id) => ids.has(id) };
  }
  return { has: readRangeEntries(reader) };
}

/** base64url as Java's URL decoder takes it: `-` and `_`, optional padding, nothing else. */
function decodeBase64Url(text: string): Buffer | null {
  if (/[+/]/.test(text)) return null;
  return javaBase64Decode(text.replace(/-/g, '+').replace(/_/g, '/'));
}

/**
 * Parses the core segment of a TC string; null when the operator's decoder would refuse it (empty,
 * bad base64url, version other than 1 or 2, or truncated). Version 1 strings parse, but carry no
 * special-feature opt-ins, so they never satisfy EUID.
 *
 * @example
 * ```ts
 * parseTcfConsent('CPhJRpMPhJRpMABAMBFRACBoALAAAEJAAIYgAKwAQAKgArABAAqAAA')?.purposesConsent.has(1); // true
 * ```
 */
export function parseTcfConsent(consent: string): TcfConsent | null {
  const core = consent.split('.')[0] ?? '';
  const bytes = decodeBase64Url(core);
  if (bytes === null || bytes.length === 0) return null;
  const reader = new BitReader(bytes);
  const none: VendorSet = { has: () => false };
  try {
    const version = reader.read(6);
    if (version === 1) {
      // Created, LastUpdated, CmpId, CmpVersion, ConsentScreen, ConsentLanguage, VendorListVersion.
      reader.skip(36 + 36 + 12 + 12 + 6 + 12 + 12);
      const purposesConsent = reader.flags(24);
      const vendorConsent = readV1VendorSection(reader);
      return {
        version,
        specialFeatureOptIns: new Set(),
        purposesConsent,
        purposesLITransparency: new Set(),
        vendorConsent,
        vendorLegitimateInterest: none,
      };
    }
    if (version !== 2) return null;
    // Created, LastUpdated, CmpId, CmpVersion, ConsentScreen, ConsentLanguage, VendorListVersion,
    // TcfPolicyVersion, IsServiceSpecific, UseNonStandardTexts.
    reader.skip(36 + 36 + 12 + 12 + 6 + 12 + 12 + 6 + 1 + 1);
    const specialFeatureOptIns = reader.flags(12);
    const purposesConsent = reader.flags(24);
    const purposesLITransparency = reader.flags(24);
    reader.skip(1 + 12); // PurposeOneTreatment, PublisherCC
    const vendorConsent = readVendorSection(reader);
    const vendorLegitimateInterest = readVendorSection(reader);
    return {
      version,
      specialFeatureOptIns,
      purposesConsent,
      purposesLITransparency,
      vendorConsent,
      vendorLegitimateInterest,
    };
  } catch {
    return null;
  }
}

/** TCF v1 vendor section: a range encoding has a default-consent bit before the entries. */
function readV1VendorSection(reader: BitReader): VendorSet {
  const maxVendorId = reader.read(16);
  if (reader.read(1) === 0) {
    const ids = reader.flags(maxVendorId);
    return { has: (id) => ids.has(id) };
  }
  const defaultConsent = reader.read(1) === 1;
  const section = readRangeEntries(reader);
  return { has: (id) => id >= 1 && id <= maxVendorId && section(id) !== defaultConsent };
}

function readRangeEntries(reader: BitReader): (id: number) => boolean {
  const ranges: [number, number][] = [];
  const entries = reader.read(12);
  for (let i = 0; i < entries; i++) {
    const isRange = reader.read(1) === 1;
    const start = reader.read(16);
    const end = isRange ? reader.read(16) : start;
    if (end < start) throw new RangeError('TC string has a reversed vendor range');
    ranges.push([start, end]);
  }
  return (id) => ranges.some(([start, end]) => id >= start && id <= end);
}

/**
 * The EUID operator's decision (UIDOperatorVerticle.validateUserConsent): the vendor must hold every
 * required purpose, through consent (if the vendor has consent) or legitimate interest (if the vendor
 * has LI), and special feature 1 must be opted in.
 *
 * @example
 * ```ts
 * hasEuidConsent(parseTcfConsent(tcString)!); // true or false
 * ```
 */
export function hasEuidConsent(consent: TcfConsent, vendorId = EUID_TCF_VENDOR_ID): boolean {
  const granted = new Set<number>();
  if (consent.vendorConsent.has(vendorId)) for (const p of consent.purposesConsent) granted.add(p);
  if (consent.vendorLegitimateInterest.has(vendorId)) {
    for (const p of consent.purposesLITransparency) granted.add(p);
  }
  return (
    EUID_REQUIRED_PURPOSES.every((p) => granted.has(p)) &&
    consent.specialFeatureOptIns.has(EUID_REQUIRED_SPECIAL_FEATURE)
  );
}

/**
 * What {@link buildTcfConsentString} writes; unlisted ids are "no".
 *
 * @example
 * ```ts
 * const spec: TcfConsentSpec = { purposesConsent: [1, 2, 3, 4, 7, 10], specialFeatureOptIns: [1], vendorConsent: [21] };
 * ```
 */
export interface TcfConsentSpec {
  purposesConsent?: readonly number[];
  purposesLITransparency?: readonly number[];
  specialFeatureOptIns?: readonly number[];
  vendorConsent?: readonly number[];
  vendorLegitimateInterest?: readonly number[];
  /** Created/LastUpdated, epoch ms. Default 2023-01-01. */
  created?: number;
}

/**
 * Builds a TCF v2 core string (bitfield vendor encoding) for tests of EUID consent handling.
 *
 * @example
 * ```ts
 * const ok = buildTcfConsentString({
 *   purposesConsent: [...EUID_REQUIRED_PURPOSES], specialFeatureOptIns: [1], vendorConsent: [21],
 * });
 * ```
 */
export function buildTcfConsentString(spec: TcfConsentSpec = {}): string {
  let bits = '';
  const put = (value: number, width: number) => {
    bits += value.toString(2).padStart(width, '0').slice(-width);
  };
  const flags = (ids: readonly number[] | undefined, width: number) => {
    for (let i = 1; i <= width; i++) bits += ids?.includes(i) ? '1' : '0';
  };
  const vendors = (ids: readonly number[] | undefined) => {
    const max = ids === undefined || ids.length === 0 ? 0 : Math.max(...ids);
    put(max, 16);
    put(0, 1);
    flags(ids, max);
  };
  const deciseconds = Math.floor((spec.created ?? Date.UTC(2023, 0, 1)) / 100);
  put(2, 6);
  put(deciseconds, 36);
  put(deciseconds, 36);
  put(1, 12); // CmpId
  put(1, 12); // CmpVersion
  put(1, 6); // ConsentScreen
  put(4 * 64 + 13, 12); // ConsentLanguage "EN"
  put(150, 12); // VendorListVersion
  put(2, 6); // TcfPolicyVersion
  put(1, 1); // IsServiceSpecific
  put(0, 1); // UseNonStandardTexts
  flags(spec.specialFeatureOptIns, 12);
  flags(spec.purposesConsent, 24);
  flags(spec.purposesLITransparency, 24);
  put(0, 1); // PurposeOneTreatment
  put(4 * 64 + 4, 12); // PublisherCC "EE"
  vendors(spec.vendorConsent);
  vendors(spec.vendorLegitimateInterest);
  put(0, 12); // NumPubRestrictions
  while (bits.length % 8 !== 0) bits += '0';
  const bytes = Buffer.alloc(bits.length / 8);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  return bytes.toString('base64url');
}
