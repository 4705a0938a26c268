/**
 * vitest global setup: a few tests run the built CLI (`dist/cli/main.js`) as a user would, so a fresh
 * clone's `npm test` builds first when dist/ is missing or older than the sources. In CI the build
 * step has just run, so this finds dist/ current and does nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = 'dist/cli/main.js';
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource('src')) return;
  process.stderr.write('vitest: dist/ is missing or older than src/; running `npm run build` first\n');
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}
