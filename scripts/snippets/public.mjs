// Which TSDoc comments document the public API: those on the exports of the four entry points (and on
// their members), plus each entry file's module comment. These are what a user reads (in an editor's
// hover and in the TypeDoc reference); check-snippets type-checks the examples in them. Comments on
// internal helpers are not published, and their fragments may use the module's private state.
import { join, relative } from 'node:path';
import ts from 'typescript';

export const ENTRY_SOURCES = [
  'src/index.ts',
  'src/testing/index.ts',
  'src/state/sqlite.ts',
  'src/state/redis.ts',
];

/** Set of "file:line" (repository-relative file, 1-based line of the opening `/**`). */
export function publicComments(root) {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  const program = ts.createProgram(
    ENTRY_SOURCES.map((f) => join(root, f)),
    { ...config.options, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const found = new Set();
  const seen = new Set();
  const record = (node) => {
    for (const doc of node.jsDoc ?? []) {
      const file = node.getSourceFile();
      const { line } = file.getLineAndCharacterOfPosition(doc.getStart(file));
      found.add(`${relative(root, file.fileName)}:${line + 1}`);
    }
  };
  const visit = (decl) => {
    if (seen.has(decl)) return;
    seen.add(decl);
    record(decl);
    // Variable declarations carry their JSDoc on the statement.
    if (ts.isVariableDeclaration(decl)) record(decl.parent.parent);
    const members = decl.members ?? (decl.type && ts.isTypeLiteralNode(decl.type) ? decl.type.members : []);
    for (const member of members) visit(member);
  };
  for (const entry of ENTRY_SOURCES) {
    const file = program.getSourceFile(join(root, entry));
    if (!file) continue;
    const first = file.statements[0];
    if (first) record(first);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    for (let symbol of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      for (const decl of symbol.declarations ?? []) visit(decl);
    }
  }
  return found;
}
