#!/usr/bin/env node
// Type-checks every ```ts block of the documentation against the built package, so that an example
// that no longer compiles fails CI instead of misleading a reader:
//   - README.md, docs/*.md and examples/*/README.md;
//   - every ```ts block inside the TSDoc of the public API in src/ (what the API reference shows).
// Each block becomes its own ES module in a temporary project whose node_modules/uid2-publisher is this
// repository, so 'uid2-publisher' and its subpaths resolve through package.json "exports" to dist/
// types exactly as a user's project would (run `npm run build` first). Before the block comes a
// prelude: every public export of the four entry points (plus, for an @example in src/, its own
// module's exports), and a `declare` for each free name the docs use (see prelude.d.ts beside this
// script), except those the block imports or declares itself. Strict TypeScript, no `any`.
// Exit status: 0 when every block compiles, 1 otherwise (each error with the block's file and line).
//
// Only examples on the public API are checked (see snippets/public.mjs): those are the ones users read.
// Usage: node scripts/check-snippets.mjs [--keep] [--all]
//   --keep leaves the temporary project for a look; --all also checks the examples on internal helpers
//   (fragments that use their module's private state; not expected to pass).
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { extractMarkdown, extractTsdoc } from './snippets/extract.mjs';
import { publicComments } from './snippets/public.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY_POINTS = [
  'uid2-publisher',
  'uid2-publisher/testing',
  'uid2-publisher/sqlite',
  'uid2-publisher/redis',
];

/** The files whose snippets are checked, relative to the repository. */
function sources() {
  // Plain names: Node 20's recursive withFileTypes reports a wrong parentPath for nested entries.
  const list = (dir, ext) =>
    readdirSync(join(root, dir), { recursive: true })
      .filter((name) => name.endsWith(ext))
      .map((name) => join(dir, name))
      .sort();
  const markdown = ['README.md', ...list('docs', '.md').filter((f) => !f.startsWith('docs/api/'))];
  for (const example of readdirSync(join(root, 'examples'), { withFileTypes: true })) {
    const readme = join('examples', example.name, 'README.md');
    if (example.isDirectory() && safeRead(readme) !== null) markdown.push(readme);
  }
  return { markdown, code: list('src', '.ts') };
}

function safeRead(file) {
  try {
    return readFileSync(join(root, file), 'utf8');
  } catch {
    return null;
  }
}

/** Names exported by each entry point, from the built declarations (values and types alike). */
function exportsOf(project, specifiers) {
  const stub = join(project, '__exports.ts');
  writeFileSync(
    stub,
    specifiers.map((s, i) => `import * as m${i} from '${s}';\nexport { m${i} };\n`).join(''),
  );
  const program = ts.createProgram([stub], compilerOptions());
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(stub);
  const names = new Map();
  file.statements.filter(ts.isImportDeclaration).forEach((decl, i) => {
    const symbol = checker.getSymbolAtLocation(decl.moduleSpecifier);
    if (symbol)
      names.set(
        specifiers[i],
        checker.getExportsOfModule(symbol).map((s) => s.name),
      );
    else if (ENTRY_POINTS.includes(specifiers[i])) {
      throw new Error(`check-snippets: cannot resolve ${specifiers[i]}; run \`npm run build\` first`);
    }
  });
  rmSync(stub);
  return names;
}

/** Top-level names a block binds itself (imports, variables, functions, classes, types). */
function boundNames(code) {
  const file = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const names = new Set();
  const bind = (name) => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements ?? []) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings))
        for (const el of bindings.elements) names.add(el.name.text);
    } else if (ts.isImportEqualsDeclaration(statement)) names.add(statement.name.text);
    else if (ts.isVariableStatement(statement))
      for (const d of statement.declarationList.declarations) bind(d.name);
    else if (statement.name && ts.isIdentifier(statement.name)) names.add(statement.name.text);
  }
  return names;
}

/**
 * A block with a top-level `return` is the body of a request handler, as the docs show it: it is
 * checked inside an async function (its imports stay at the top, so line numbers do not move).
 */
function asModule(code) {
  const file = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const hasReturn = file.statements.some(function returns(node) {
    if (ts.isReturnStatement(node)) return true;
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return false;
    return ts.forEachChild(node, returns) ?? false;
  });
  if (!hasReturn) return code;
  const body = file.statements.find((s) => !ts.isImportDeclaration(s));
  if (!body) return code;
  const at = body.getStart(file);
  return `${code.slice(0, at)}async function handler(): Promise<unknown> { ${code.slice(at)}\n}`;
}

function compilerOptions() {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
  };
}

const keep = process.argv.includes('--keep');
const all = process.argv.includes('--all');
const project = mkdtempSync(join(tmpdir(), 'uid2-snippets-'));
try {
  writeFileSync(join(project, 'package.json'), '{ "name": "snippets", "private": true, "type": "module" }\n');
  mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
  symlinkSync(root, join(project, 'node_modules', 'uid2-publisher'), 'dir');
  for (const dep of ['@types/node', '@types/better-sqlite3', 'undici', 'redis', '@redis', 'vitest']) {
    symlinkSync(join(root, 'node_modules', dep), join(project, 'node_modules', dep), 'dir');
  }
  const ambient = readFileSync(join(root, 'scripts', 'snippets', 'prelude.d.ts'), 'utf8');
  const ambientNames = [...ambient.matchAll(/^declare (?:const|let|function) (\w+)/gm)].map((m) => m[1]);

  const { markdown, code } = sources();
  const published = publicComments(root);
  const tsdoc = code.flatMap((file) => extractTsdoc(readFileSync(join(root, file), 'utf8'), file));
  const blocks = [
    ...markdown.flatMap((file) => extractMarkdown(readFileSync(join(root, file), 'utf8'), file)),
    ...tsdoc.filter((b) => all || published.has(`${b.file}:${b.comment}`)),
  ];
  const internal = tsdoc.filter((b) => !published.has(`${b.file}:${b.comment}`)).length;
  const ownModules = [...new Set(blocks.filter((b) => b.file.startsWith('src/')).map((b) => b.file))];
  // Relative, not 'uid2-publisher/dist/...': "exports" rightly hides a module that is not an entry point.
  const distOf = (file) =>
    `./node_modules/uid2-publisher/dist/${file.slice('src/'.length).replace(/\.ts$/, '.js')}`;
  const exported = exportsOf(project, [...ENTRY_POINTS, ...ownModules.map(distOf)]);

  const roots = [];
  const origin = new Map();
  blocks.forEach((block, i) => {
    const bound = boundNames(block.code);
    const taken = new Set(bound);
    const lines = [];
    const specifiers = block.file.startsWith('src/') ? [...ENTRY_POINTS, distOf(block.file)] : ENTRY_POINTS;
    for (const specifier of specifiers) {
      const names = (exported.get(specifier) ?? []).filter((n) => !taken.has(n));
      for (const n of names) taken.add(n);
      if (names.length > 0) lines.push(`import { ${names.join(', ')} } from '${specifier}';`);
    }
    const free = ambientNames.filter((n) => !taken.has(n));
    // The ambient declarations live in one shared module; a block imports the ones it does not bind.
    if (free.length > 0) lines.push(`import { ${free.join(', ')} } from './prelude.js';`);
    const name = `block-${String(i).padStart(3, '0')}.ts`;
    writeFileSync(join(project, name), `${lines.join('\n')}\n${asModule(block.code)}\nexport {};\n`);
    roots.push(join(project, name));
    origin.set(name, { ...block, offset: lines.length });
  });
  writeFileSync(
    join(project, 'prelude.ts'),
    ambient.replace(/^declare (const|let|function) /gm, 'export declare $1 '),
  );

  const program = ts.createProgram(roots, compilerOptions());
  const diagnostics = ts.getPreEmitDiagnostics(program);
  let failures = 0;
  for (const d of diagnostics) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    if (!d.file) {
      console.error(`error TS${d.code}: ${text}`);
      failures++;
      continue;
    }
    const block = origin.get(relative(project, d.file.fileName));
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    if (!block) {
      console.error(`${d.file.fileName}(${line + 1},${character + 1}): error TS${d.code}: ${text}`);
    } else {
      const at = line - block.offset;
      const where = at < 0 ? `${block.file}:${block.line} (prelude)` : `${block.file}:${block.line + at}`;
      console.error(`${where}: error TS${d.code}: ${text}`);
      console.error(`    ${block.code.split('\n')[Math.max(at, 0)]?.trim() ?? ''}`);
    }
    failures++;
  }
  const files = new Set(blocks.map((b) => b.file)).size;
  if (failures > 0) {
    console.error(`check-snippets: ${failures} error(s) in ${blocks.length} blocks from ${files} files`);
    process.exitCode = 1;
  } else {
    console.log(
      `check-snippets: ${blocks.length} TypeScript blocks from ${files} files type-check ` +
        `(${internal} more on internal helpers, which are not published, were not checked)`,
    );
  }
} finally {
  if (keep) console.log(`check-snippets: project kept in ${project}`);
  else rmSync(project, { recursive: true, force: true });
}
