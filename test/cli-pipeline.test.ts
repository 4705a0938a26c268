/**
 * The README's "Command line" pipeline, run as written through the built CLI: start `operator` (one
 * process, as in one terminal), take its export lines into another shell, then the README's own
 * `generate | refresh` line. Needs `npm run build` first (CI builds before it tests).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdentity } from '../src/index.js';
import { exportedVariables, until } from './support/cli-capture.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** The pipeline line of the README's "Command line" section, exactly as a reader copies it. */
function readmePipeline(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Command line'));
  const line = section.split('\n').find((text) => / generate .*\| *npx uid2-publisher refresh$/.test(text));
  if (line === undefined)
    throw new Error('the README has no "generate ... | npx uid2-publisher refresh" line');
  return line;
}

let operator: ChildProcess;
let output = '';

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error('dist/cli/main.js is missing: run "npm run build" before this test');
  operator = spawn(process.execPath, [BIN, 'operator', '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  operator.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  await until(() => output.includes('UID2_SECRET_KEY='), 10_000);
});

afterAll(() => {
  if (operator.exitCode === null) operator.kill('SIGTERM');
});

describe('the README command-line pipeline', () => {
  it('the build leaves the bin executable: it runs by its own #! line, as npx runs it in a clone', async () => {
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    const { stdout } = await promisify(execFile)(BIN, ['--version'], { cwd: ROOT });
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("operator prints three export lines; with them, the README's generate | refresh line succeeds", async () => {
    const exports = output.split('\n').filter((line) => line.startsWith('export '));
    expect(exports).toHaveLength(3);
    // `npx uid2-publisher` inside the clone runs this same file (package.json "bin"); calling it
    // directly saves npx's second or more of start-up per call.
    const pipeline = readmePipeline().replaceAll('npx uid2-publisher', `'${process.execPath}' '${BIN}'`);
    const env = { ...process.env };
    for (const name of ['UID2_BASE_URL', 'UID2_API_KEY', 'UID2_SECRET_KEY', 'NODE_EXTRA_CA_CERTS'])
      delete env[name];
    const script = ['set -e', ...exports, pipeline].join('\n');
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', script], { cwd: ROOT, env });
    expect(stderr).toBe('');
    const line = JSON.parse(stdout) as { status: string; identity: unknown };
    expect(line.status).toBe('success');
    expect(parseIdentity(line.identity as object).refresh_token).toHaveLength(388);
    expect(exportedVariables(output).UID2_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('the operator stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => operator.once('exit', (code) => resolve(code)));
    operator.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/# local operator stopped\n$/);
  });
});
