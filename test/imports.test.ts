/**
 * scripts/check-imports.mjs, the import-rule check of .ci/run, against small made-up source trees: a
 * tree that keeps every rule passes, and each rule, broken once, gives exactly the line that names the
 * file, the import and the rule. Without these the CI step could pass by never looking.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGraph, check, formatFinding, readImports } from '../scripts/check-imports.mjs';

const SCRIPT = join(import.meta.dirname, '..', 'scripts', 'check-imports.mjs');

/** A tree shaped like src/ that keeps every rule (type-only undici in options.ts included). */
const GOOD: Record<string, string> = {
  'errors.ts': 'export class Uid2Error extends Error {}\n',
  'base64.ts': "import { Uid2Error } from './errors.js';\nexport const b = Uid2Error;\n",
  'keys.ts': "import { b } from './base64.js';\nexport const k = b;\n",
  'envelope.ts':
    "import { randomBytes } from 'node:crypto';\nimport { k } from './keys.js';\nexport const e = [k, randomBytes];\n",
  'schemas.ts': "import * as z from 'zod';\nexport const s = z.object({});\n",
  'options.ts': "import type { Dispatcher } from 'undici';\nexport type O = { dispatcher?: Dispatcher };\n",
  'transport.ts': "import { Agent } from 'undici';\nexport const t = Agent;\n",
  'endpoints/generate.ts':
    "import { e } from '../envelope.js';\nimport { s } from '../schemas.js';\nexport const g = [e, s];\n",
  'state/opt-out.ts': 'export interface OptOutStore { has(s: string): Promise<boolean> }\n',
  'state/sqlite.ts':
    "import { createRequire } from 'node:module';\nimport type Db from 'better-sqlite3';\n" +
    "export const open = (): Db => createRequire(import.meta.url)('better-sqlite3');\n",
  'state/redis.ts': "export const load = () => import('redis');\nexport type R = typeof import('redis');\n",
  'state/sealed.ts': "import nacl from 'tweetnacl';\nexport const n = nacl;\n",
  'client.ts':
    "import type { O } from './options.js';\nimport { g } from './endpoints/generate.js';\n" +
    "import { t } from './transport.js';\nimport type { OptOutStore } from './state/opt-out.js';\n" +
    'export const c = (o: O, s: OptOutStore) => [g, t, o, s];\n',
  'index.ts': "export { c } from './client.js';\nexport type { OptOutStore } from './state/opt-out.js';\n",
  'testing/tls.ts': "export const cert = () => import('selfsigned');\n",
  'testing/index.ts':
    "import { c } from '../client.js';\nexport { cert } from './tls.js';\nexport const x = c;\n",
  'cli/main.ts':
    "import { x } from '../testing/index.js';\nimport { c } from '../client.js';\nexport const m = [x, c];\n",
};

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** The script itself on `dir`: its exit status and what it printed. */
function run(dir: string): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, '--src', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject).on('close', (status) => resolve({ status, stdout }));
  });
}

/** GOOD with `changes` applied (a file's text replaced or added), written to a fresh directory. */
function tree(changes: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-imports-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries({ ...GOOD, ...changes })) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** The error and warning lines for a tree, paths shown as `src/...`. */
function findings(changes: Record<string, string> = {}): string[] {
  return check(buildGraph(tree(changes)))
    .filter((finding: { level: string }) => finding.level !== 'note')
    .map((finding: Parameters<typeof formatFinding>[0]) => formatFinding(finding));
}

describe('readImports', () => {
  it('sees every form of import, knows which are type-only, and ignores comments', () => {
    const text = [
      "import a from 'a';",
      "import type { B } from 'b';",
      "import { type C } from 'c';", // verbatimModuleSyntax keeps `import {} from 'c'`: run time
      "export * from './d.js';",
      "export type { E } from './e.js';",
      "const f = await import('f');",
      "type G = typeof import('g');",
      "const h = createRequire(import.meta.url)('h');",
      'const i = await import(someUrl);',
      "/** @example import { x } from 'not-an-import'; */",
    ].join('\n');
    expect(readImports('x.ts', text)).toEqual([
      { specifier: 'a', line: 1, typeOnly: false },
      { specifier: 'b', line: 2, typeOnly: true },
      { specifier: 'c', line: 3, typeOnly: false },
      { specifier: './d.js', line: 4, typeOnly: false },
      { specifier: './e.js', line: 5, typeOnly: true },
      { specifier: 'f', line: 6, typeOnly: false },
      { specifier: 'g', line: 7, typeOnly: true },
      { specifier: 'h', line: 8, typeOnly: false },
      { computed: true, line: 9 },
    ]);
  });
});

describe('check-imports rules', () => {
  it('passes a tree that keeps every rule', () => {
    expect(findings()).toEqual([]);
  });

  it.each([
    [
      'errors.ts',
      "import { inspect } from 'node:util';\nexport const x = inspect;\n",
      'src/errors.ts:1',
      'errors-leaf',
    ],
    [
      'envelope.ts',
      "import { s } from './schemas.js';\nexport const e = s;\n",
      'src/envelope.ts:1',
      'envelope-bytes',
    ],
    [
      'client.ts',
      "import { Agent } from 'undici';\nexport const c = Agent;\n",
      'src/client.ts:1',
      'undici-only-in-transport',
    ],
    [
      'input.ts',
      "import type { ZodType } from 'zod';\nexport type I = ZodType;\n",
      'src/input.ts:1',
      'zod-only-in-schemas',
    ],
    [
      'state/memory.ts',
      "import type Db from 'better-sqlite3';\nexport type M = Db;\n",
      'src/state/memory.ts:1',
      'sqlite-only-in-its-store',
    ],
    [
      'state/sqlite.ts',
      "export const r = () => import('redis');\n",
      'src/state/sqlite.ts:1',
      'redis-only-in-its-store',
    ],
    [
      'identity.ts',
      "import nacl from 'tweetnacl';\nexport const i = nacl;\n",
      'src/identity.ts:1',
      'tweetnacl-only-in-sealed',
    ],
    [
      'cli/tls.ts',
      "export const s = () => import('selfsigned');\n",
      'src/cli/tls.ts:1',
      'selfsigned-only-in-testing',
    ],
    ['input.ts', "import x from 'left-pad';\nexport const i = x;\n", 'src/input.ts:1', 'known-packages'],
    ['input.ts', "export { y } from './missing.js';\n", 'src/input.ts:1', 'resolvable'],
    [
      'endpoints/refresh.ts',
      "import type { t } from '../transport.js';\nexport type R = typeof t;\n",
      'src/endpoints/refresh.ts:1',
      'endpoints-below-transport',
    ],
    [
      'state/memory.ts',
      "import type { c } from '../client.js';\nexport type M = typeof c;\n",
      'src/state/memory.ts:1',
      'state-below-transport',
    ],
    [
      'transport.ts',
      "import type { g } from './endpoints/generate.js';\nexport type T = typeof g;\n",
      'src/transport.ts:1',
      'transport-knows-no-endpoint',
    ],
    [
      'input.ts',
      "import { x } from './testing/index.js';\nexport const i = x;\n",
      'src/input.ts:1',
      'production-without-testing',
    ],
    [
      'testing/run.ts',
      "import { m } from '../cli/main.js';\nexport const r = m;\n",
      'src/testing/run.ts:1',
      'cli-on-top',
    ],
  ])('%s breaking %s... is reported once, at %s, as %s', (file, text, where, rule) => {
    const lines = findings({ [file]: text });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error ${where}: .*\\[${rule}\\] `));
  });

  it('follows run-time imports through other files, with the path, but not a neighbour’s type import', () => {
    const through = { 'results.ts': "import { t } from './transport.js';\nexport const r = t;\n" };
    expect(
      findings({
        ...through,
        'endpoints/validate.ts': "\nimport { r } from '../results.js';\nexport const v = r;\n",
      }),
    ).toEqual([
      'error src/endpoints/validate.ts:2: reaches transport.ts (endpoints/validate.ts -> results.ts -> transport.ts) ' +
        '[endpoints-below-transport] endpoints/* never import transport.ts or client.ts, not even through another file',
    ]);
    const typeOnly = {
      'endpoints/validate.ts': "import type { r } from '../results.js';\nexport type V = typeof r;\n",
    };
    expect(findings({ ...through, ...typeOnly })).toEqual([]);
  });

  it('finds an engine the main entry reaches, even by a type-only path (its .d.ts would need the peer)', () => {
    const lines = findings({ 'index.ts': "export type { R } from './state/redis.js';\n" });
    expect(lines).toEqual([
      expect.stringMatching(
        /^error src\/index\.ts:1: imports state\/redis\.ts \[main-entry-without-engines\]/,
      ),
    ]);
  });

  it('fails a run-time cycle with its path and only warns about one closed by import type', () => {
    const a = "import { b } from './b.js';\nexport const a = b;\n";
    expect(findings({ 'a.ts': a, 'b.ts': "import { a } from './a.js';\nexport const b = a;\n" })).toEqual([
      expect.stringMatching(/^error src\/a\.ts:1: run-time cycle a\.ts -> b\.ts -> a\.ts \[no-cycles\]/),
    ]);
    expect(
      findings({ 'a.ts': a, 'b.ts': "import type { a } from './a.js';\nexport const b = 1;\n" }),
    ).toEqual([
      expect.stringMatching(/^warning src\/b\.ts:1: type-only cycle b\.ts -> a\.ts -> b\.ts \[no-cycles\]/),
    ]);
  });

  it('warns above 300 lines and fails above 400', () => {
    const long = (n: number) => `${'// filler\n'.repeat(n - 1)}export const l = 1;\n`;
    expect(findings({ 'input.ts': long(301) })).toEqual([
      expect.stringMatching(/^warning src\/input\.ts:301: 301 lines/),
    ]);
    expect(findings({ 'input.ts': long(300) })).toEqual([]);
    expect(findings({ 'input.ts': long(401) })).toEqual([
      expect.stringMatching(/^error src\/input\.ts:401: 401 lines/),
    ]);
  });

  it('exits 1 with the error lines and a summary when a rule is broken, 0 when none is', async () => {
    // Both runs at once: each child spends most of its time loading the TypeScript compiler.
    const [good, bad] = await Promise.all([run(tree()), run(tree({ 'errors.ts': "import 'node:util';\n" }))]);
    expect(good).toEqual({
      status: 0,
      stdout: expect.stringMatching(/^check-imports: 17 files, \d+ imports; 0 errors, 0 warnings\n$/),
    });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(
      /^error .*\/errors\.ts:1: imports 'node:util' \[errors-leaf\] errors\.ts imports nothing\n/,
    );
    expect(bad.stdout).toMatch(/1 errors, 0 warnings\n$/);
  });
});
