#!/usr/bin/env node
// Run by `npm run build` after tsc: tsc writes files without the execute bit, so in a fresh clone
// `npx uid2-publisher` (which runs the bin file itself, through its #! line) would fail with
// "Permission denied". npm sets the bit on install from a tarball; a clone has no install step.
// Adds execute where read is set (0644 -> 0755), as chmod +x would. A no-op on Windows.
import { chmodSync, readFileSync, statSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
for (const bin of bins) {
  const file = new URL(`../${bin}`, import.meta.url);
  const mode = statSync(file).mode & 0o777;
  chmodSync(file, mode | ((mode & 0o444) >> 2));
}
