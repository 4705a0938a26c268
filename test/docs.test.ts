/**
 * Every public export (of `uid2-publisher` and `uid2-publisher/testing`) has TSDoc with an @example.
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ENTRY_POINTS = ['src/index.ts', 'src/testing/index.ts', 'src/state/sqlite.ts', 'src/state/redis.ts'];

function exportsWithoutExample(): string[] {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    noLib: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  // The docs are in the package's own files: only relative imports are followed (not node_modules).
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts) =>
    literals.map((literal) =>
      literal.text.startsWith('.')
        ? ts.resolveModuleName(literal.text, containingFile, opts, host, undefined, redirected)
        : { resolvedModule: undefined },
    );
  const program = ts.createProgram({ rootNames: ENTRY_POINTS, options, host });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  for (const entry of ENTRY_POINTS) {
    const file = program.getSourceFile(entry);
    const module = file && checker.getSymbolAtLocation(file);
    if (!module) throw new Error(`cannot read ${entry}`);
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declaration = target.declarations?.[0];
      const tags = declaration ? ts.getJSDocTags(declaration).map((tag) => tag.tagName.text) : [];
      if (!tags.includes('example')) missing.push(`${entry}: ${symbol.name}`);
    }
  }
  return missing;
}

describe('public API documentation', () => {
  it('every export has TSDoc with an @example', () => {
    expect(exportsWithoutExample()).toEqual([]);
  });
});
