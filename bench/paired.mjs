/**
 * Paired timing for in-process comparisons on a shared, noisy machine: the two operations run in
 * alternating small batches (ABAB..., the order flipped every sample), and each sample's ratio A/B is
 * taken from two batches measured a few milliseconds apart. Drift of the machine (a neighbour's build,
 * a frequency change) then hits both sides of each ratio alike; the quartiles of the ratios say how
 * stable the comparison was. A GC pause lands in one batch and shows as an outlier ratio, which the
 * quartiles ignore and a mean would not.
 */
import { quantile } from './fixtures.mjs';

/** ns per call of `batch` calls of `fn`. */
function timeBatch(fn, batch) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) fn();
  return Number(process.hrtime.bigint() - start) / batch;
}

/** Quartiles of a sample. */
export function quartiles(values) {
  return { q1: quantile(values, 0.25), median: quantile(values, 0.5), q3: quantile(values, 0.75) };
}

/**
 * Paired samples of `a` against `b`: per sample one batch of each, alternating order. Returns ns/op
 * quartiles of each side and the quartiles of the per-sample ratio a/b.
 *
 * @param {() => void} a
 * @param {() => void} b
 * @param {{ samples?: number, batch?: number, warmupCalls?: number }} [options]
 */
export function paired(a, b, { samples = 200, batch = 40, warmupCalls = 3_000 } = {}) {
  // Warm-up: both sides optimised by the JIT before the first sample.
  for (let i = 0; i < warmupCalls; i++) {
    a();
    b();
  }
  const ta = [];
  const tb = [];
  const ratios = [];
  for (let s = 0; s < samples; s++) {
    let x;
    let y;
    if (s % 2 === 0) {
      x = timeBatch(a, batch);
      y = timeBatch(b, batch);
    } else {
      y = timeBatch(b, batch);
      x = timeBatch(a, batch);
    }
    ta.push(x);
    tb.push(y);
    ratios.push(x / y);
  }
  return { a: quartiles(ta), b: quartiles(tb), ratio: quartiles(ratios), samples, batch };
}

/** ns/op quartiles of one operation alone, in batches (for a table of components). */
export function alone(fn, { samples = 100, batch = 40, warmupCalls = 2_000 } = {}) {
  for (let i = 0; i < warmupCalls; i++) fn();
  const times = [];
  for (let s = 0; s < samples; s++) times.push(timeBatch(fn, batch));
  return quartiles(times);
}

/** "median [q1–q3]" */
export function showQuartiles(q, show) {
  return `${show(q.median)} [${show(q.q1)}–${show(q.q3)}]`;
}
