/**
 * Base URLs of the UID2 and EUID operators (PROTOCOL.md §7). Integration and production need different
 * API keys and secrets, and integration tokens are not valid in the bid stream.
 *
 * @example
 * ```ts
 * new PublisherClient({ baseUrl: Environments.euid.production, apiKey, secretKey });
 * ```
 */
export const Environments = Object.freeze({
  uid2: Object.freeze({
    /** Integration (testing), AWS us-east-2. */
    integration: 'https://operator-integ.uidapi.com',
    /** Production, us-east-2 (Ohio): the default of the docs and the mobile SDKs. */
    production: 'https://prod.uidapi.com',
    /** Production through AWS Global Accelerator (nearest region). */
    global: 'https://global.prod.uidapi.com',
    /** Production, us-east-2 (Ohio); same as `production`. */
    ohio: 'https://prod.uidapi.com',
    /** Production, us-west-2 (Oregon). */
    oregon: 'https://usw.prod.uidapi.com',
    /** Production, ap-southeast-2 (Sydney). */
    sydney: 'https://au.prod.uidapi.com',
    /** Production, ap-northeast-1 (Tokyo). */
    tokyo: 'https://jp.prod.uidapi.com',
    /** Production, ap-southeast-1 (Singapore). */
    singapore: 'https://sg.prod.uidapi.com',
  }),
  euid: Object.freeze({
    /** EUID integration, eu-west-2 (London). */
    integration: 'https://integ.euid.eu',
    /** EUID production, eu-west-2 (London). */
    production: 'https://prod.euid.eu',
    /** EUID production, eu-west-2 (London); same as `production`. */
    london: 'https://prod.euid.eu',
  }),
});
