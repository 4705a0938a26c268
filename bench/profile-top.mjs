/**
 * Summarises a V8 .cpuprofile: self time per function and per source (our dist/, zod, undici, node
 * internals, native), highest first.
 *
 * Usage: node bench/profile-top.mjs FILE.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where a frame's code lives, in the words of the report. */
export function sourceOf(url, functionName) {
  if (url.includes('/dist/')) return 'uid2-publisher (dist/)';
  if (url.includes('/node_modules/zod/')) return 'zod';
  if (url.includes('/node_modules/undici/')) return 'undici';
  if (url.includes('/node_modules/tinybench/')) return 'tinybench';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:')) return 'node internals (JS)';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'program (V8/native, unattributed)';
  return 'native (C++ builtins, OpenSSL)';
}

/**
 * Self time (ms) per function and per source.
 *
 * @param {{ nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number }>, samples: number[], timeDeltas: number[] }} profile
 */
export function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let k = 0; k < profile.samples.length; k++) {
    const id = profile.samples[k];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0));
  }
  const functions = new Map();
  const sources = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const file = url.replace(/^.*\/(dist|node_modules|bench)\//, '$1/');
    const name = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us);
    const source = sourceOf(url, functionName);
    sources.set(source, (sources.get(source) ?? 0) + us);
    total += us;
  }
  const sorted = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / total }));
  return { totalMs: total / 1000, functions: sorted(functions), sources: sorted(sources) };
}

/** Markdown tables of a summary. */
export function formatSummary(summary, top = 25) {
  const lines = [
    `total sampled: ${summary.totalMs.toFixed(0)} ms`,
    '',
    '| self % | self ms | function |',
    '|---:|---:|---|',
  ];
  for (const f of summary.functions.slice(0, top)) {
    lines.push(`| ${f.percent.toFixed(1)} | ${f.ms.toFixed(0)} | \`${f.name}\` |`);
  }
  lines.push('', '| self % | source |', '|---:|---|');
  for (const s of summary.sources) lines.push(`| ${s.percent.toFixed(1)} | ${s.name} |`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/profile-top.mjs FILE.cpuprofile [top]');
    process.exit(2);
  }
  console.log(formatSummary(summarise(JSON.parse(readFileSync(file, 'utf8'))), Number(top ?? 25)));
}
