/**
 * Examples started as their own processes import 'uid2-publisher' by name, which Node resolves through
 * package.json "exports" to dist/. On a fresh clone (`npm ci && npm test`) there is no dist/ yet, so the
 * tests that spawn examples build it first; `.ci/run` has built it already and nothing is rebuilt.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The built files the examples load: the main entry and the SQLite entry. */
const NEEDED = ['dist/index.js', 'dist/state/sqlite.js'];

/** Builds dist/ when any file the examples need is missing (not when it is merely older than src/). */
export function ensureBuilt(): void {
  if (NEEDED.every((file) => existsSync(`${ROOT}${file}`))) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit', timeout: 120_000 });
}
