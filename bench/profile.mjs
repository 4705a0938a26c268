/**
 * CPU profiles (`node --cpu-prof`) of our code path against its floor, and where the difference goes:
 * self time per operation for each function, ours minus floor.
 *
 * - pipeline: the in-process generate (bench/pipeline.mjs) vs the bare node:crypto floor;
 * - e2e: PublisherClient.generateToken vs the minimal hand-written client, at concurrency 16, against
 *   the bench server in its own (unprofiled) process.
 *
 * Usage (after `npm run build`): node bench/profile.mjs [pipeline|refresh|e2e ...] [--seconds=5] [--top=25]
 * Profiles are kept in bench/profiles/ (ignored by git) for Chrome DevTools or speedscope.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { summarise } from './profile-top.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const seconds = option('seconds', '5');
const top = Number(option('top', '25'));
const wanted = args.filter((a) => !a.startsWith('--'));
const studies = wanted.length > 0 ? wanted : ['pipeline', 'refresh', 'e2e'];
const dir = here('./profiles');
mkdirSync(dir, { recursive: true });

const PAIRS = {
  pipeline: ['pipeline-ours', 'pipeline-floor'],
  refresh: ['refresh-ours', 'refresh-floor'],
  e2e: ['e2e-ours', 'e2e-minimal'],
};

/** Runs one workload under the profiler; returns its summary and operation count. */
function profile(workload) {
  const name = `${workload}.cpuprofile`;
  const stdout = execFileSync(
    process.execPath,
    [
      `--cpu-prof`,
      `--cpu-prof-dir=${dir}`,
      `--cpu-prof-name=${name}`,
      here('./profile-target.mjs'),
      workload,
      seconds,
      '16',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const { operations } = JSON.parse(stdout.trim().split('\n').pop());
  return { operations, summary: summarise(JSON.parse(readFileSync(`${dir}/${name}`, 'utf8'))) };
}

/** µs per operation of each function, ours and floor, sorted by what ours spends beyond the floor. */
function compare(ours, floor) {
  const perOp = (run) => new Map(run.summary.functions.map((f) => [f.name, (f.ms * 1000) / run.operations]));
  const a = perOp(ours);
  const b = perOp(floor);
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names]
    .filter((n) => n !== '(idle)')
    .map((name) => ({ name, ours: a.get(name) ?? 0, floor: b.get(name) ?? 0 }))
    .map((r) => ({ ...r, extra: r.ours - r.floor }))
    .sort((x, y) => y.extra - x.extra);
}

const busyPerOp = (run) =>
  (1000 * (run.summary.totalMs - (run.summary.functions.find((f) => f.name === '(idle)')?.ms ?? 0))) /
  run.operations;

for (const study of studies) {
  const [oursName, floorName] = PAIRS[study];
  const ours = profile(oursName);
  const floor = profile(floorName);
  console.log(`\n## ${study}: ${oursName} vs ${floorName} (${seconds} s each)\n`);
  console.log(
    `CPU per operation (non-idle samples): ours ${busyPerOp(ours).toFixed(1)} µs over ${ours.operations} ops, ` +
      `floor ${busyPerOp(floor).toFixed(1)} µs over ${floor.operations} ops.\n`,
  );
  console.log('Top self time of ours:\n');
  console.log('| self % | µs/op | function |');
  console.log('|---:|---:|---|');
  for (const f of ours.summary.functions.slice(0, top)) {
    console.log(
      `| ${f.percent.toFixed(1)} | ${((f.ms * 1000) / ours.operations).toFixed(2)} | \`${f.name}\` |`,
    );
  }
  console.log('\nBy source (self %): ');
  console.log(ours.summary.sources.map((s) => `${s.name} ${s.percent.toFixed(1)}`).join('; '));
  console.log('\nBeyond the floor (µs/op, ours minus floor, largest first):\n');
  console.log('| extra µs/op | ours | floor | function |');
  console.log('|---:|---:|---:|---|');
  for (const r of compare(ours, floor).slice(0, top)) {
    console.log(`| ${r.extra.toFixed(2)} | ${r.ours.toFixed(2)} | ${r.floor.toFixed(2)} | \`${r.name}\` |`);
  }
}
