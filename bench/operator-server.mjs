/**
 * Hosts the library's local operator (dist/testing, `startLocalOperator()`) in its own process for the
 * operator-throughput benchmark. Reports `{ url, apiKey, secretKey }` to its parent over IPC, or
 * `{ missing: reason }` when this build has no local operator.
 */
let startLocalOperator;
try {
  ({ startLocalOperator } = await import('../dist/testing/index.js'));
} catch (err) {
  process.send?.({ missing: `cannot load dist/testing/index.js (${err.code ?? err.message})` });
  process.exit(0);
}
if (typeof startLocalOperator !== 'function') {
  process.send?.({ missing: 'dist/testing/index.js has no startLocalOperator export' });
  process.exit(0);
}
const op = await startLocalOperator();
const ready = { url: op.url, apiKey: op.apiKey, secretKey: op.secretKey };
if (process.send) process.send(ready);
else console.log(JSON.stringify(ready));
const stop = async () => {
  await op.close();
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('disconnect', stop);
process.on('SIGTERM', stop);
