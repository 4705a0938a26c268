/**
 * One workload to run under `node --cpu-prof` (see bench/profile.mjs); prints `{ "operations": n }`.
 *
 * Usage: node bench/profile-target.mjs pipeline-ours|pipeline-floor|refresh-ours|refresh-floor SECONDS
 *        node bench/profile-target.mjs e2e-ours|e2e-minimal|e2e-bare SECONDS CONCURRENCY
 */
import { bareClient, minimalClient, oursClient, startServer } from './clients.mjs';
import { runLoad } from './e2e.mjs';
import { loadLibrary, pipelineTasks } from './pipeline.mjs';

const [workload, seconds = '4', concurrency = '16'] = process.argv.slice(2);
const [kind, variant] = workload.split('-');
let operations;
if (kind === 'pipeline' || kind === 'refresh') {
  const pair = pipelineTasks(await loadLibrary()).pairs.find(
    (p) => p.name === (kind === 'pipeline' ? 'generate' : 'refresh'),
  );
  const fn = variant === 'floor' ? pair.floor : pair.ours;
  for (let k = 0; k < 20_000; k++) fn();
  operations = 0;
  const end = performance.now() + Number(seconds) * 1000;
  while (performance.now() < end) {
    for (let k = 0; k < 100; k++) fn();
    operations += 100;
  }
} else if (kind === 'e2e') {
  const server = await startServer();
  const make = { ours: oursClient, minimal: minimalClient, bare: bareClient }[variant];
  const client = make(server.baseUrl);
  try {
    await runLoad(client.call, Number(concurrency), 1000);
    const cell = await runLoad(client.call, Number(concurrency), Number(seconds) * 1000);
    if (cell.errors > 0) throw cell.firstError;
    operations = cell.requests;
  } finally {
    await client.close();
    await server.stop();
  }
} else {
  throw new Error(`unknown workload ${workload}`);
}
console.log(JSON.stringify({ operations }));
