/**
 * Runs the in-process and loopback benchmarks (issues 5 and 12) and prints the results as markdown
 * (the tables of bench/RESULTS.md).
 *
 * Usage (after `npm run build`):
 *   node bench/run.mjs                    full run, ~3-4 minutes on 2 cores
 *   node bench/run.mjs --quick            seconds; checks that everything runs (bench/ci.sh)
 *   node bench/run.mjs --only=pipeline,e2e,memory,operator
 *   node bench/run.mjs --json=FILE        also writes the raw numbers as JSON
 *
 * Exits non-zero when a benchmark crashes or any request fails. It asserts no speed: targets are shown
 * next to the figures, never enforced, because the machines are shared and noisy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const value = (name) => flag(name)?.split('=')[1];
const quick = flag('quick') !== undefined;
const only = new Set((value('only') ?? 'pipeline,e2e,memory,operator').split(','));

if (!existsSync(here('../dist/index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does).');
  process.exit(1);
}
const tinybenchVersion = (() => {
  try {
    const entry = import.meta.resolve('tinybench');
    const pkg = new URL('../package.json', entry);
    return JSON.parse(readFileSync(pkg, 'utf8')).version;
  } catch {
    return undefined;
  }
})();
if (!tinybenchVersion || Number(tinybenchVersion.split('.')[0]) < 6) {
  console.error(
    `bench: needs tinybench 6 (found ${tinybenchVersion ?? 'none'}); add "tinybench": "^6.2.5" to devDependencies.`,
  );
  process.exit(1);
}

const { runPipeline } = await import('./pipeline.mjs');
const { runE2E } = await import('./e2e.mjs');
const { startServer } = await import('./clients.mjs');
const { runOperator } = await import('./operator.mjs');

const settings = quick
  ? {
      pipeline: { samples: 6, batch: 5, warmupCalls: 20 },
      e2e: { concurrencies: [1, 16], reps: 1, durationMs: 200, warmupMs: 100 },
      memory: { calls: 2_000, warmup: 200, concurrency: 16 },
      operator: { concurrency: 16, reps: 1, durationMs: 200, warmupMs: 100 },
    }
  : {
      pipeline: { samples: 1_000, batch: 10, warmupCalls: 3_000 },
      e2e: { concurrencies: [1, 16, 64], reps: 5, durationMs: 2_000, warmupMs: 1_000 },
      memory: { calls: 100_000, warmup: 5_000, concurrency: 16 },
      operator: { concurrency: 16, reps: 3, durationMs: 2_000, warmupMs: 1_000 },
    };

const int = (n) => Math.round(n).toLocaleString('en-US');
const fixed = (n, digits) => n.toFixed(digits);
/** "median [min-max]" */
const ranged = (s, show) => `${show(s.median)} [${show(s.min)}–${show(s.max)}]`;
const percent = (share) => `${Math.round(share * 100)}%`;
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(2);

const out = [];
const print = (line = '') => {
  out.push(line);
  console.log(line);
};
/** The commit measured, and whether src/ had uncommitted changes (others edit it concurrently). */
function revision() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: here('..'), encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted src changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

const raw = {
  revision: revision(),
  machine: {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverageAtStart: os.loadavg(),
    tinybench: tinybenchVersion,
  },
  quick,
  settings,
};

print(`# uid2-publisher benchmarks${quick ? ' (quick: checks they run, figures meaningless)' : ''}`);
print();
print(
  `Machine: ${raw.machine.cores} cores, ${raw.machine.cpu}, Node ${raw.machine.node}, ` +
    `load average at start ${raw.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}. ` +
    `Build: ${raw.revision}. Pipeline figures are \`median [quartiles]\` of paired samples, ` +
    'the others `median [min–max]` over repetitions.',
);

if (only.has('pipeline')) {
  const s = settings.pipeline;
  const result = await runPipeline(s);
  raw.pipeline = result;
  const q = (x, show) => `${show(x.median)} [${show(x.q1)}–${show(x.q3)}]`;
  const two = (n) => fixed(n, 2);
  print();
  print(
    `## In-process pipeline (no network), ns/op, paired: ${s.samples} samples of ${s.batch} calls ` +
      `each side, alternating, after ${int(s.warmupCalls)} warm-up calls; median [quartiles]`,
  );
  print();
  print('| pipeline | against | ours ns/op | floor ns/op | ours/floor (paired) |');
  print('|---|---|---:|---:|---:|');
  for (const row of result.rows) {
    print(
      `| ${row.name} | ${row.floorName} | ${q(row.a, int)} | ${q(row.b, int)} | **${q(row.ratio, two)}** |`,
    );
  }
  const z = result.sizes;
  print();
  print('| ours, binary against text | text ns/op | binary ns/op | binary/text (paired) |');
  print('|---|---:|---:|---:|');
  for (const row of result.binary) {
    print(`| ${row.name} | ${q(row.b, int)} | ${q(row.a, int)} | **${q(row.ratio, two)}** |`);
  }
  print();
  print(
    `Sizes: request JSON ${z.requestJsonBytes} B; request envelope ${z.requestTextChars} base64 chars or ` +
      `${z.requestBinaryBytes} B binary; generate answer ${z.generateResponseChars} chars or ` +
      `${z.generateResponseBytes} B; refresh answer ${z.refreshResponseChars} chars or ${z.refreshResponseBytes} B; ` +
      `identityJson ${z.identityJsonChars} chars. Crypto floor: hash, IV, GCM seal, base64 out/in, GCM open, ` +
      'nonce check, JSON.parse. Same-work floor: IVs from a pool (as ours), email normalisation, a typeof ' +
      'check of the success body and identityJson (JSON.stringify). Target (issue 12): ours/floor ≤ 1.2.',
  );
}

if (only.has('e2e')) {
  const s = settings.e2e;
  const server = await startServer();
  let result;
  try {
    result = await runE2E({ server, ...s });
  } finally {
    await server.stop();
  }
  raw.e2e = result;
  print();
  print(
    `## End to end over loopback (bench server in its own process); ${s.reps} repetitions of ` +
      `${s.durationMs} ms per cell after a ${s.warmupMs} ms warm-up`,
  );
  print();
  print('| concurrency | client | requests/s | p50 ms | p99 ms | server CPU |');
  print('|---:|---|---:|---:|---:|---:|');
  for (const row of result.rows) {
    for (const name of ['ours', 'minimal', 'bare']) {
      const c = row[name];
      print(
        `| ${row.concurrency} | ${name} | ${ranged(c.rps, int)} | ${ranged(c.p50Ms, (n) => fixed(n, 2))} | ` +
          `${ranged(c.p99Ms, (n) => fixed(n, 2))} | ${percent(c.serverCpu.median)} |`,
      );
    }
  }
  print();
  print('| concurrency | ours/minimal (requests/s) | minimal/bare (requests/s) |');
  print('|---:|---:|---:|');
  for (const row of result.rows) {
    print(
      `| ${row.concurrency} | **${ranged(row.oursOverMinimal, (n) => fixed(n, 2))}** | ` +
        `${ranged(row.minimalOverBare, (n) => fixed(n, 2))} |`,
    );
  }
  print();
  print(
    'Ratios are paired within a repetition. Server CPU: the bench server process, share of one core ' +
      '(median). Target: ours/minimal ≥ 0.9 at each concurrency.',
  );
}

if (only.has('memory')) {
  const s = settings.memory;
  const stdout = execFileSync(
    process.execPath,
    ['--expose-gc', here('./memory.mjs'), String(s.calls), String(s.warmup), String(s.concurrency)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop());
  raw.memory = result;
  const a = result.afterWarmup;
  const b = result.afterCalls;
  print();
  print(
    `## Memory of one client (own process, --expose-gc, gc() until stable before each reading); ` +
      `${int(result.calls)} generate calls at concurrency ${result.concurrency} in ${result.seconds.toFixed(1)} s`,
  );
  print();
  print(`| MB | after ${int(result.warmup)}-call warm-up | after ${int(result.calls)} more calls | delta |`);
  print('|---|---:|---:|---:|');
  for (const key of ['heapUsed', 'heapTotal', 'rss', 'external', 'arrayBuffers']) {
    print(`| ${key} | ${mb(a[key])} | ${mb(b[key])} | ${mb(b[key] - a[key])} |`);
  }
  print();
  print('Target: heapUsed delta ≤ 5 MB.');
}

if (only.has('operator')) {
  const s = settings.operator;
  const result = await runOperator(s);
  raw.operator = result;
  print();
  if ('missing' in result) {
    print('## Local operator throughput: TODO');
    print();
    print(`Not measured: ${result.missing}.`);
  } else {
    print(
      `## Local operator (startLocalOperator(), own process) at concurrency ${s.concurrency}; ` +
        `${s.reps} repetitions of ${s.durationMs} ms`,
    );
    print();
    print('| endpoint, driver | requests/s | p50 ms | p99 ms | operator CPU |');
    print('|---|---:|---:|---:|---:|');
    for (const c of result.rows) {
      print(
        `| ${c.name} | ${ranged(c.rps, int)} | ${ranged(c.p50Ms, (n) => fixed(n, 2))} | ` +
          `${ranged(c.p99Ms, (n) => fixed(n, 2))} | ${percent(c.operatorCpu.median)} |`,
      );
    }
    print();
    print('Operator CPU: the operator process, share of one core (median); near 100% means it set the pace.');
  }
}

raw.machine.loadAverageAtEnd = os.loadavg();
print();
print(`Load average at end: ${raw.machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}.`);
const jsonFile = value('json');
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(raw, null, 2)}\n`);
