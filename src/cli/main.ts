#!/usr/bin/env node
/**
 * `uid2-publisher`: the command line. `uid2-publisher --help` lists the commands.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { VERSION } from '../version.js';
import { generateCommand, operatorCommand, refreshCommand } from './commands.js';
import { type CliIo, EXIT, reportError, UsageError } from './io.js';

const HELP: Record<string, string> = {
  main: `uid2-publisher ${VERSION}: the server side of UID2/EUID for Node.js

usage: uid2-publisher <command> [options]

commands:
  demo        the main job: a mobile back end against a local operator (see --help)
  operator    run the local UID2 operator (no credentials needed)
  generate    generate an identity from an email, phone or hash
  refresh     refresh an identity

Run "uid2-publisher <command> --help" for a command's options.
`,
  generate: `usage: uid2-publisher generate (--email E | --phone P | --email-hash H | --phone-hash H) [--tcf S] [--local]

Generates an identity and prints the result as one JSON line:
  {"status":"success","identity":{...}}   or   {"status":"optout"}   or   {"status":"insufficient_user_consent"}

  --email E          raw email (normalised and hashed locally; never sent)
  --phone P          E.164 phone, e.g. +12345678901 (hashed locally)
  --email-hash H     SHA-256 of a normalised email, base64 (44 chars) or hex (64 chars)
  --phone-hash H     SHA-256 of an E.164 phone, base64 or hex
  --tcf S            TCF consent string (EUID)
  --local            use a throwaway local operator instead of UID2_BASE_URL, UID2_API_KEY, UID2_SECRET_KEY
  --timeout-ms N     deadline of the call (default 5000)

exit codes: 0 done (any status), 2 bad usage/input/config, 3 refused by the operator,
            4 transient (timeout, network, 429, 5xx), 5 untrustworthy answer, 1 internal error
`,
  refresh: `usage: uid2-publisher refresh [--identity FILE|-] [--local]

Refreshes an identity and prints the result as one JSON line. The identity is read from FILE or, by
default, standard input; a "generate" result line is accepted too:
  uid2-publisher generate --email a@example.com | uid2-publisher refresh

  --identity FILE|-  where to read the identity JSON (default -, standard input)
  --local            use a throwaway local operator (its tokens only refresh against itself, so an
                     identity from elsewhere gives invalid_token)
  --timeout-ms N     deadline of the call (default 5000)

Uses UID2_BASE_URL, UID2_API_KEY and UID2_SECRET_KEY. Exit codes as for "generate".
`,
  operator: `usage: uid2-publisher operator [--port N] [--config FILE]

Runs the local UID2 operator on 127.0.0.1 and prints its URL, API key and secret (throwaway local
credentials). Stops cleanly on SIGINT or SIGTERM.

  --port N        port (default 0: any free port)
  --config FILE   JSON with startLocalOperator options (scope, profile, lifetimes, clients, optOut, ...)
`,
  demo: `usage: uid2-publisher demo [--serve]

The main job: starts the local operator and the example mobile back end (examples/mobile-backend), then
plays the app: sign in, check the identity against the mobile SDKs' contract, advance the clock past
refresh_from, refresh, sign in a user who opts out on refresh, and show the opt-out remembered.

  --serve   keep the operator and the back end running afterwards (Ctrl-C stops them)
`,
};

type Command = 'generate' | 'refresh' | 'operator' | 'demo';

const FLAGS = {
  generate: {
    email: { type: 'string' },
    phone: { type: 'string' },
    'email-hash': { type: 'string' },
    'phone-hash': { type: 'string' },
    tcf: { type: 'string' },
    local: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
  },
  refresh: { identity: { type: 'string' }, local: { type: 'boolean' }, 'timeout-ms': { type: 'string' } },
  operator: { port: { type: 'string' }, config: { type: 'string' } },
  demo: { serve: { type: 'boolean' } },
} as const;

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runCli(['generate', '--local', '--email', 'user@example.com'], io);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(HELP.main as string);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (!(name in FLAGS)) {
    io.stderr(`error: unknown command "${name}"\n\n${HELP.main}`);
    return EXIT.usage;
  }
  const command = name as Command;
  try {
    switch (command) {
      case 'generate': {
        const flags = parse(rest, FLAGS.generate);
        return flags.help ? help(io, command) : await generateCommand(flags, io);
      }
      case 'refresh': {
        const flags = parse(rest, FLAGS.refresh);
        return flags.help ? help(io, command) : await refreshCommand(flags, io);
      }
      case 'operator': {
        const flags = parse(rest, FLAGS.operator);
        return flags.help ? help(io, command) : await operatorCommand(flags, io);
      }
      case 'demo': {
        const flags = parse(rest, FLAGS.demo);
        if (flags.help) return help(io, command);
        const { demoCommand } = await import('./demo.js');
        return await demoCommand(flags, io);
      }
    }
  } catch (err) {
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`error: ${err.message}\n\n${HELP[command]}`);
      return EXIT.usage;
    }
    const code = reportError(io, err);
    if (err instanceof UsageError) io.stderr(`\n${HELP[command]}`);
    return code;
  }
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: T) {
  return parseArgs({
    args: [...args],
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  }).values;
}

function help(io: CliIo, command: Command): number {
  io.stdout(HELP[command] as string);
  return EXIT.ok;
}

/** The process's own streams and signals. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    untilStopped: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}
