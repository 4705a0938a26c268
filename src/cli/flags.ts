/**
 * The flags of every command. Lookups go through a Map, so that a command named
 * `toString`, `__proto__` or `constructor` is unknown rather than an Object prototype member.
 */
import type { ParseArgsConfig } from 'node:util';

/** The flag specification of one command, as node:util parseArgs takes it. */
export type Options = NonNullable<ParseArgsConfig['options']>;

const IDENTIFIER = {
  email: { type: 'string' },
  phone: { type: 'string' },
  'email-hash': { type: 'string' },
  'phone-hash': { type: 'string' },
} as const;

const TARGET = {
  local: { type: 'boolean' },
  'ca-file': { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

/** Flags per command. */
export const FLAGS = {
  generate: { ...IDENTIFIER, tcf: { type: 'string' }, ...TARGET },
  refresh: { identity: { type: 'string' }, ...TARGET },
  validate: { token: { type: 'string' }, ...IDENTIFIER, ...TARGET },
  operator: {
    port: { type: 'string' },
    config: { type: 'string' },
    tls: { type: 'boolean' },
    'ca-file': { type: 'string' },
  },
  demo: { serve: { type: 'boolean' } },
} as const satisfies Record<string, Options>;

/** A command name the CLI knows. */
export type Command = keyof typeof FLAGS;

const COMMANDS: ReadonlySet<string> = new Set(Object.keys(FLAGS));

/** `name` as a {@link Command}, or undefined for anything else (prototype member names included). */
export function commandNamed(name: string): Command | undefined {
  return COMMANDS.has(name) ? (name as Command) : undefined;
}
