/**
 * The usage text of every command. Constant text only: nothing here is built from user input.
 */
import { VERSION } from '../version.js';

const EXIT_CODES = `exit codes: 0 done (any status), 2 bad usage/input/config, 3 refused by the operator,
            4 transient (timeout, network, 429, 5xx), 5 untrustworthy answer, 1 internal error`;

/** The flags of the commands that call an operator; `local` says what a --local operator means there. */
const target = (
  ...local: string[]
) => `  --local            use a throwaway local operator instead of UID2_BASE_URL, UID2_API_KEY and
                     UID2_SECRET_KEY; ${local.join('\n                     ')}
  --ca-file FILE     trust this PEM certificate for an https operator (e.g. the one "operator --tls"
                     wrote); NODE_EXTRA_CA_CERTS=FILE works too
  --timeout-ms N     deadline of the call (default 5000)`;

const IDENTIFIERS = `  --email E          raw email (normalised and hashed locally; never sent)
  --phone P          E.164 phone, e.g. +12345678901 (hashed locally)
  --email-hash H     SHA-256 of a normalised email, base64 (44 chars) or hex (64 chars)
  --phone-hash H     SHA-256 of an E.164 phone, base64 or hex`;

/** The main usage, printed for `--help` and for a missing or unknown command. */
export const MAIN_HELP = `uid2-publisher ${VERSION}: the server side of UID2/EUID for Node.js

usage: uid2-publisher <command> [options]

commands:
  demo        the main job: a mobile back end against a local operator (see --help)
  operator    run the local UID2 operator (no credentials needed)
  generate    generate an identity from an email, phone or hash
  refresh     refresh an identity
  validate    check that an advertising token belongs to an email, phone or hash

Run "uid2-publisher <command> --help" for a command's options.
`;

/** Usage per command; a Map, so that a command name never reaches an Object prototype. */
export const COMMAND_HELP: ReadonlyMap<string, string> = new Map([
  [
    'generate',
    `usage: uid2-publisher generate (--email E | --phone P | --email-hash H | --phone-hash H) [--tcf S] [--local]

Generates an identity and prints the result as one JSON line:
  {"status":"success","identity":{...}}   or   {"status":"optout"}   or   {"status":"insufficient_user_consent"}

${IDENTIFIERS}
  --tcf S            TCF consent string (EUID)
${target('it lives for this one command, so its identities refresh', 'nowhere else')}

${EXIT_CODES}
`,
  ],
  [
    'refresh',
    `usage: uid2-publisher refresh [--identity FILE|-] [--local]

Refreshes an identity and prints the result as one JSON line. The identity is read from FILE or, by
default, standard input; a "generate" result line is accepted too:
  uid2-publisher generate --email user@example.com | uid2-publisher refresh

  --identity FILE|-  where to read the identity JSON (default -, standard input, unless that is a
                     terminal: then give --identity - to paste one)
${target('it is new for this one command, so an identity from anywhere else', 'gives invalid_token')}

${EXIT_CODES}
`,
  ],
  [
    'validate',
    `usage: uid2-publisher validate --token T (--email E | --phone P | --email-hash H | --phone-hash H) [--local]

Asks the operator whether advertising token T was issued for the given email, phone or hash, and prints
one JSON line: {"status":"match"}, {"status":"mismatch"}, {"status":"invalid_token"} (the token does not
decode) or {"status":"not_owner"} (it belongs to another publisher), with the operator's "detail" where
it sent one. Meant for testing an integration.

  --token T          the advertising token
${IDENTIFIERS}
${target('it is new for this one command, so any token from elsewhere', '(another --local run too) is invalid_token')}

${EXIT_CODES}
`,
  ],
  [
    'operator',
    `usage: uid2-publisher operator [--port N] [--config FILE] [--tls [--ca-file FILE]]

Runs the local UID2 operator on 127.0.0.1 (throwaway local credentials) until SIGINT or SIGTERM. Its
output is a shell script: comment lines and the export lines that point this CLI (or any client) at it:
  export UID2_BASE_URL='http://127.0.0.1:PORT'
  export UID2_API_KEY='...'
  export UID2_SECRET_KEY='...'

  --port N        port (default 0: any free port); a port in use is a usage error
  --config FILE   JSON with startLocalOperator options (scope, profile, lifetimes, clients, optOut, ...)
  --tls           serve HTTPS with a fresh self-signed certificate for 127.0.0.1, ::1, localhost and
                  10.0.2.2 (the Android emulator's address for its host; more with "tlsHosts" in
                  --config), and write it (PEM) to a file, so that Node, curl, an Android emulator or
                  an iOS simulator can trust it; a fourth line exports NODE_EXTRA_CA_CERTS=<that file>
  --ca-file FILE  with --tls: where to write the certificate (default: ca.pem in a new private
                  directory under the system temp directory, removed when the operator stops)
`,
  ],
  [
    'demo',
    `usage: uid2-publisher demo [--serve]

The main job: starts the local operator and the example mobile back end (examples/mobile-backend), then
plays the app: sign in, check the identity against the mobile SDKs' contract, advance the clock past
refresh_from, refresh, sign in a user who opts out on refresh, and show the opt-out remembered.

  --serve   keep the operator and the back end running afterwards (Ctrl-C stops them)
`,
  ],
]);
