#!/usr/bin/env node
// Enforces the layering of ../shared/spec/DESIGN.md (section Layout) over src/'s import graph, so that
// the arrows keep pointing one way after the review that drew them is forgotten. docs/ARCHITECTURE.md
// explains each rule; RULES below is the list it mirrors.
//
// Every .ts file under src/ is parsed with the TypeScript compiler (comments and TSDoc examples are not
// imports), and each of these becomes an edge:
//   import ... from 'x' / import 'x' / export ... from 'x'       run time, unless `import type` / `export type`
//   import('x')  require('x')  createRequire(...)('x')           run time
//   typeof import('x')  import('x').T                            type only
// The tsconfig sets verbatimModuleSyntax, so only `import type` / `export type` are erased: an import
// whose names are all marked `type` inline (`import { type A } from 'x'`) still loads 'x' at run time.
//
// Rules about packages count run-time imports for undici (its types are part of the public options) and
// every import for the rest (the optional peers' types must not reach a .d.ts of an entry point that
// does not need them). Rules about which file may depend on which count type-only imports too: a type
// is a dependency of the design even when it leaves no trace in the emitted JavaScript. Cycles are the
// exception: a run-time cycle fails, a cycle closed only by type-only imports is a warning.
//
// Output: one line per finding, `error|warning src/file.ts:LINE: what [rule-id] rule`, then a summary.
// Exit status 1 when there is an error, 0 otherwise (warnings included).
//
// Usage: node scripts/check-imports.mjs [--src DIR]   (DIR defaults to this repository's src/)
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** Above this many lines a file is reported as a warning, above FAIL_LINES as an error. */
export const WARN_LINES = 300;
export const FAIL_LINES = 400;

/** Where each third-party package may be imported; a package missing from this list is an error. */
const PACKAGES = [
  { name: 'undici', id: 'undici-only-in-transport', runtimeOnly: true, allowed: (f) => f === 'transport.ts' },
  { name: 'zod', id: 'zod-only-in-schemas', allowed: (f) => f === 'schemas.ts' },
  { name: 'better-sqlite3', id: 'sqlite-only-in-its-store', allowed: (f) => f === 'state/sqlite.ts' },
  { name: 'redis', id: 'redis-only-in-its-store', allowed: (f) => f === 'state/redis.ts' },
  { name: 'tweetnacl', id: 'tweetnacl-only-in-sealed', allowed: (f) => f === 'state/sealed.ts' },
  { name: 'selfsigned', id: 'selfsigned-only-in-testing', allowed: (f) => inDir(f, 'testing') },
];

/** The rules, by id, in the words every finding quotes. docs/ARCHITECTURE.md lists the same. */
export const RULES = {
  'errors-leaf': 'errors.ts imports nothing',
  'envelope-bytes': 'envelope.ts imports only node: built-ins and base64.ts, errors.ts, keys.ts',
  'undici-only-in-transport': 'only transport.ts imports undici at run time (import type is fine elsewhere)',
  'zod-only-in-schemas': 'only schemas.ts imports zod',
  'sqlite-only-in-its-store': 'only state/sqlite.ts imports better-sqlite3',
  'redis-only-in-its-store': 'only state/redis.ts imports redis',
  'tweetnacl-only-in-sealed': 'only state/sealed.ts imports tweetnacl',
  'selfsigned-only-in-testing': 'only testing/ imports selfsigned',
  'known-packages': 'every package src/ imports has a placement rule in scripts/check-imports.mjs',
  resolvable: 'every relative import names a file that exists',
  'endpoints-below-transport':
    'endpoints/* never import transport.ts or client.ts, not even through another file',
  'transport-knows-no-endpoint': 'transport.ts reaches no endpoints/* file and no zod (schemas.ts)',
  'state-below-transport': 'state/* never imports transport.ts or client.ts, not even through another file',
  'production-without-testing': 'production code (outside testing/ and cli/) never imports testing/',
  'main-entry-without-engines':
    'index.ts never reaches state/sqlite.ts or state/redis.ts (their own entry points)',
  'cli-on-top': 'nothing outside cli/ imports cli/',
  'no-cycles': 'no import cycle (a cycle closed only by import type is a warning)',
  'file-size': `files stay under ${FAIL_LINES} lines (a warning above ${WARN_LINES})`,
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function inDir(file, dir) {
  return file.startsWith(`${dir}/`);
}

function isProduction(file) {
  return !inDir(file, 'testing') && !inDir(file, 'cli');
}

/** 'a/b' -> 'a', '@s/a/b' -> '@s/a'. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function literalText(node) {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null;
}

/**
 * Every import of one file's text: `{ specifier, line, typeOnly }`, and `{ computed: true, line }` for
 * a dynamic import or require whose argument is not a literal (it cannot be checked, so it is listed).
 */
export function readImports(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const add = (node, specifierNode, typeOnly) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    const specifier = literalText(specifierNode);
    found.push(specifier === null ? { computed: true, line } : { specifier, line, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const argument = ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined;
      add(node, argument, true);
    } else if (ts.isCallExpression(node) && isLoadCall(node)) {
      add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** import(x), require(x), and createRequire(...)(x). */
function isLoadCall(call) {
  const callee = call.expression;
  if (callee.kind === ts.SyntaxKind.ImportKeyword) return true;
  if (ts.isIdentifier(callee)) return callee.text === 'require';
  return (
    ts.isCallExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'createRequire'
  );
}

/**
 * The import graph of a source directory: file (relative, '/'-separated) -> its lines and imports, each
 * import resolved to a file of the graph (`target`), a package (`pkg`), a built-in or something outside.
 */
export function buildGraph(srcDir) {
  const names = readdirSync(srcDir, { recursive: true })
    .map((name) => String(name).split('\\').join('/'))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort();
  const known = new Set(names);
  const graph = new Map();
  for (const file of names) {
    const text = readFileSync(join(srcDir, file), 'utf8');
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    const imports = readImports(file, text).map((entry) => {
      if (entry.computed) return entry;
      const { specifier } = entry;
      if (specifier.startsWith('.')) {
        const joined = posix.normalize(posix.join(posix.dirname(file), specifier));
        if (joined.startsWith('../')) return { ...entry, outside: true };
        const target = joined.replace(/\.(m?js|ts)$/, '.ts');
        return known.has(target) ? { ...entry, target } : { ...entry, unresolved: true };
      }
      if (isBuiltin(specifier)) return { ...entry, builtin: true };
      return { ...entry, pkg: packageName(specifier) };
    });
    graph.set(file, { lines, imports });
  }
  return graph;
}

/** Edges between files of the graph; `runtimeOnly` leaves out type-only imports. */
function edges(graph, file, runtimeOnly) {
  return graph.get(file).imports.filter((i) => i.target && !(runtimeOnly && i.typeOnly));
}

/**
 * Breadth-first from `file`: every file it reaches, with the shortest path to it and the line of the
 * first import on that path.
 */
function reach(graph, file, runtimeOnly) {
  const seen = new Map([[file, { path: [file], line: 0 }]]);
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.shift();
    const { path, line } = seen.get(current);
    for (const edge of edges(graph, current, runtimeOnly)) {
      if (seen.has(edge.target)) continue;
      seen.set(edge.target, { path: [...path, edge.target], line: current === file ? edge.line : line });
      queue.push(edge.target);
    }
  }
  seen.delete(file);
  return seen;
}

/** Strongly connected components with more than one file (or a file importing itself). */
function cycleGroups(graph, runtimeOnly) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  let counter = 0;
  const connect = (file) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const { target } of edges(graph, file, runtimeOnly)) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file), low.get(target)));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file), index.get(target)));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    const selfLoop = edges(graph, file, runtimeOnly).some((e) => e.target === file);
    if (group.length > 1 || selfLoop) groups.push(new Set(group));
  };
  for (const file of graph.keys()) if (!index.has(file)) connect(file);
  return groups;
}

/** The shortest path inside `group` from `from` back to `to`, over the chosen edges. */
function pathWithin(graph, group, from, to, runtimeOnly) {
  const previous = new Map([[from, null]]);
  const queue = [from];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === to) break;
    for (const { target } of edges(graph, current, runtimeOnly)) {
      if (group.has(target) && !previous.has(target)) {
        previous.set(target, current);
        queue.push(target);
      }
    }
  }
  const path = [];
  for (let at = to; at !== null; at = previous.get(at)) path.unshift(at);
  return path;
}

/** Every finding for a graph: `{ level: 'error' | 'warning' | 'note', file, line, what, rule }`. */
export function check(graph) {
  const findings = [];
  const report = (level, file, line, what, rule) => findings.push({ level, file, line, what, rule });
  const direct = (file, test, rule, describe) => {
    for (const i of graph.get(file).imports)
      if (!i.computed && test(i)) report('error', file, i.line, describe(i), rule);
  };
  // A forbidden file imported directly (type-only included), or reached through other files over
  // run-time imports only: a type-only import of a neighbour does not make its imports ours.
  // `allEdges` follows type-only imports all the way (for what an entry point's .d.ts pulls in).
  const transitive = (file, forbidden, rule, allEdges = false) => {
    const reached = reach(graph, file, !allEdges);
    for (const i of edges(graph, file, false)) {
      if (!reached.has(i.target)) reached.set(i.target, { path: [file, i.target], line: i.line });
    }
    for (const [target, { path, line }] of reached) {
      if (!forbidden(target)) continue;
      const how = path.length === 2 ? `imports ${target}` : `reaches ${target} (${path.join(' -> ')})`;
      report('error', file, line, how, rule);
    }
  };
  const quote = (i) => `imports '${i.specifier}'${i.typeOnly ? ' (type only)' : ''}`;

  for (const [file, { lines, imports }] of graph) {
    for (const i of imports) {
      if (i.computed) report('note', file, i.line, 'computed import (not checked)', null);
      if (i.unresolved)
        report('error', file, i.line, `imports '${i.specifier}', which is not a file`, 'resolvable');
    }
    if (file === 'errors.ts') direct(file, () => true, 'errors-leaf', quote);
    if (file === 'envelope.ts') {
      const allowed = new Set(['base64.ts', 'errors.ts', 'keys.ts']);
      direct(file, (i) => !i.builtin && !allowed.has(i.target), 'envelope-bytes', quote);
    }
    for (const i of imports) {
      if (!i.pkg) continue;
      const rule = PACKAGES.find((p) => p.name === i.pkg);
      if (!rule) report('error', file, i.line, quote(i), 'known-packages');
      else if (!rule.allowed(file) && !(rule.runtimeOnly && i.typeOnly)) {
        report('error', file, i.line, quote(i), rule.id);
      }
    }
    const aboveClient = (t) => t === 'transport.ts' || t === 'client.ts';
    if (inDir(file, 'endpoints')) transitive(file, aboveClient, 'endpoints-below-transport');
    if (inDir(file, 'state')) transitive(file, aboveClient, 'state-below-transport');
    if (file === 'transport.ts') {
      transitive(file, (t) => inDir(t, 'endpoints') || t === 'schemas.ts', 'transport-knows-no-endpoint');
    }
    if (file === 'index.ts') {
      const engine = (t) => t === 'state/sqlite.ts' || t === 'state/redis.ts';
      transitive(file, engine, 'main-entry-without-engines', true);
    }
    if (isProduction(file)) {
      direct(file, (i) => i.target && inDir(i.target, 'testing'), 'production-without-testing', quote);
    }
    if (!inDir(file, 'cli')) direct(file, (i) => i.target && inDir(i.target, 'cli'), 'cli-on-top', quote);
    if (lines > FAIL_LINES) report('error', file, lines, `${lines} lines`, 'file-size');
    else if (lines > WARN_LINES) report('warning', file, lines, `${lines} lines`, 'file-size');
  }

  const runtimeGroups = cycleGroups(graph, true);
  for (const group of runtimeGroups) {
    const first = [...group].sort()[0];
    const next = edges(graph, first, true).find((e) => group.has(e.target));
    const path = [first, ...pathWithin(graph, group, next.target, first, true)];
    report('error', first, next.line, `run-time cycle ${path.join(' -> ')}`, 'no-cycles');
  }
  for (const group of cycleGroups(graph, false)) {
    // A cycle that needs at least one type-only edge: u -(type)-> v, then back from v to u.
    for (const file of [...group].sort()) {
      const typeEdge = edges(graph, file, false).find(
        (e) =>
          e.typeOnly && group.has(e.target) && !runtimeGroups.some((g) => g.has(file) && g.has(e.target)),
      );
      if (!typeEdge) continue;
      const path = [file, ...pathWithin(graph, group, typeEdge.target, file, false)];
      report('warning', file, typeEdge.line, `type-only cycle ${path.join(' -> ')}`, 'no-cycles');
      break;
    }
  }
  const order = { error: 0, warning: 1, note: 2 };
  return findings.sort(
    (a, b) => order[a.level] - order[b.level] || a.file.localeCompare(b.file) || a.line - b.line,
  );
}

/** One line of output for a finding, with paths shown as `src/...` (or the --src directory). */
export function formatFinding(finding, prefix = 'src') {
  const rule = finding.rule ? ` [${finding.rule}] ${RULES[finding.rule]}` : '';
  return `${finding.level} ${prefix}/${finding.file}:${finding.line}: ${finding.what}${rule}`;
}

function main(argv) {
  const at = argv.indexOf('--src');
  const srcDir = at >= 0 && argv[at + 1] ? resolve(argv[at + 1]) : join(root, 'src');
  const graph = buildGraph(srcDir);
  const findings = check(graph);
  const relativeDir = posix.relative(process.cwd(), srcDir);
  const prefix = relativeDir.startsWith('..') ? srcDir : relativeDir || '.';
  for (const finding of findings) console.log(formatFinding(finding, prefix));
  const count = (level) => findings.filter((f) => f.level === level).length;
  const importCount = [...graph.values()].reduce((sum, { imports }) => sum + imports.length, 0);
  console.log(
    `check-imports: ${graph.size} files, ${importCount} imports; ${count('error')} errors, ${count('warning')} warnings`,
  );
  return count('error') > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
