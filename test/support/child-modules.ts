/**
 * Runs library code in a separate `node` process, as a second server would: the entry file and every
 * source file it imports (relative imports, followed recursively) are transpiled to plain ESM in a
 * fresh directory, so the child never depends on a stale or concurrently rebuilt dist/.
 *
 * Directories under the repository's .tmp/ resolve packages from its node_modules; one under the OS
 * temp directory has none, which is how "the optional peer dependency is not installed" is tested.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RELATIVE_IMPORT = /\bfrom\s+'(\.{1,2}\/[^']+)\.js'/g;

/** Transpiled copies of `entries` (paths relative to the repository, e.g. `src/state/sqlite.ts`). */
export interface ChildModules {
  /** The directory; `dir/src/state/sqlite.js` is the copy of `src/state/sqlite.ts`. */
  readonly dir: string;
  /** Runs `script` (an ES module body; `import` from `./src/...js`) with node; resolves with stdout. */
  run(script: string, env?: Record<string, string>): Promise<string>;
  dispose(): void;
}

/** Transpiles `entries` and their source imports. `where: 'outside'` puts them out of the repository. */
export function transpileForChild(entries: string[], where: 'repo' | 'outside' = 'repo'): ChildModules {
  let base = join(tmpdir(), 'uid2-child-');
  if (where === 'repo') {
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    base = join(ROOT, '.tmp', 'child-');
  }
  const dir = mkdtempSync(base);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const pending = entries.map((entry) => resolve(ROOT, entry));
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(RELATIVE_IMPORT)) {
      pending.push(resolve(dirname(file), `${match[1]}.ts`));
    }
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const target = join(dir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }
  return {
    dir,
    run(script, env = {}) {
      const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
      writeFileSync(file, script);
      return new Promise((resolveRun, rejectRun) => {
        execFile(
          process.execPath,
          [file],
          { cwd: dir, env: { ...process.env, ...env }, timeout: 15_000 },
          (error, stdout, stderr) => {
            if (error) rejectRun(new Error(`child failed: ${error.message}\n${stderr}`));
            else resolveRun(stdout);
          },
        );
      });
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
