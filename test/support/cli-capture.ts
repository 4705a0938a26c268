/**
 * Runs of the `uid2-publisher` CLI in-process with captured streams, for the test/cli*.test.ts files.
 */
import type { CliIo } from '../../src/cli/io.js';

/** One CLI run's streams. */
export interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
  /** Resolves `untilStopped`, as SIGINT would. */
  stop: () => void;
}

/** Streams for one run: `env` as its environment, `stdin` as its standard input. */
export function capture(
  env: Record<string, string> = {},
  stdin = '',
  options: { stdinIsTTY?: boolean } = {},
): Captured {
  let out = '';
  let err = '';
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  return {
    io: {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      env,
      readStdin: async () => stdin,
      ...(options.stdinIsTTY === undefined ? {} : { stdinIsTTY: options.stdinIsTTY }),
      untilStopped: () => stopped,
    },
    out: () => out,
    err: () => err,
    stop: () => stop(),
  };
}

/** The variables of the `export NAME='value'` lines an `operator` run printed. */
export function exportedVariables(output: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const match = /^export ([A-Z0-9_]+)='([^']*)'$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) vars[match[1]] = match[2];
  }
  return vars;
}

/** Waits until `condition()` holds, polling every 10 ms, for at most `ms`. */
export async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > ms) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Any character the CLI must never print raw: C0 but LF, DEL, C1, bidi embeddings/overrides/isolates. */
export const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
