#!/usr/bin/env node
/**
 * `uid2-publisher`: the command line. `uid2-publisher --help` lists the commands.
 *
 * Everything printed goes through one writer that escapes control characters (see ./output.ts), and
 * every error is one `CODE: message` line on stderr with an exit code per error class (see ./io.ts).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { VERSION } from '../version.js';
import { generateCommand, refreshCommand } from './commands.js';
import { type Command, commandNamed, FLAGS, type Options } from './flags.js';
import { COMMAND_HELP, MAIN_HELP } from './help.js';
import { type CliIo, EXIT, INTERNAL_CODE, reportError, UsageError } from './io.js';
import { operatorCommand } from './operator.js';
import { printable, Secrets, safeWriter } from './output.js';
import { validateCommand } from './validate.js';

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runCli(['generate', '--local', '--email', 'user@example.com'], processIo());
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const safe: CliIo = { ...io, stdout: safeWriter(io.stdout), stderr: safeWriter(io.stderr) };
  const secrets = new Secrets();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    safe.stdout(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    safe.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = commandNamed(name);
  if (command === undefined) {
    safe.stderr(`UID2_INVALID_INPUT: unknown command "${printable(name)}"\n\n${MAIN_HELP}`);
    return EXIT.usage;
  }
  try {
    return await run(command, rest, safe, secrets);
  } catch (err) {
    const code = reportError(safe, err, secrets);
    if (err instanceof UsageError) safe.stderr(`\n${COMMAND_HELP.get(command) ?? ''}`);
    return code;
  }
}

async function run(command: Command, args: readonly string[], io: CliIo, secrets: Secrets): Promise<number> {
  switch (command) {
    case 'generate': {
      const flags = parseFlags(args, FLAGS.generate);
      return flags.help ? help(io, command) : await generateCommand(flags, io, secrets);
    }
    case 'refresh': {
      const flags = parseFlags(args, FLAGS.refresh);
      return flags.help ? help(io, command) : await refreshCommand(flags, io, secrets);
    }
    case 'validate': {
      const flags = parseFlags(args, FLAGS.validate);
      return flags.help ? help(io, command) : await validateCommand(flags, io, secrets);
    }
    case 'operator': {
      const flags = parseFlags(args, FLAGS.operator);
      return flags.help ? help(io, command) : await operatorCommand(flags, io);
    }
    case 'demo': {
      const flags = parseFlags(args, FLAGS.demo);
      if (flags.help) return help(io, command);
      const { demoCommand } = await import('./demo.js');
      return await demoCommand(flags, io);
    }
  }
}

/**
 * Parses `args` strictly (unknown flags, positionals and missing values are usage errors) and adds
 * `--help`/`-h`. Node's messages name the offending flag; reportError prints them made printable.
 */
function parseFlags<T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    if (err instanceof TypeError && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'))
      throw new UsageError(err.message);
    throw err;
  }
}

function help(io: CliIo, command: Command): number {
  io.stdout(COMMAND_HELP.get(command) ?? '');
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
    stdinIsTTY: process.stdin.isTTY === true,
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
  // A reader that stops early (`| head`) closes the pipe: later writes fail with EPIPE, which is
  // normal for a command-line tool and must not end in a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') process.exitCode = EXIT.internal;
    });
  }
  runCli(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // runCli reports every failure itself; this is a last resort that still prints one safe line.
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${INTERNAL_CODE}: ${printable(message)}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}
