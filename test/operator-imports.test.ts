/**
 * The local operator's modules import each other as a tree: no circle, type-only imports included
 * (a circle of types still means two files that cannot be read, or changed, one without the other).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '..', 'src', 'testing');

/** Relative `./x.js` imports and re-exports of each file of `dir`. */
function importGraph(dir: string): Map<string, string[]> {
  const files = readdirSync(dir).filter((file) => file.endsWith('.ts'));
  return new Map(
    files.map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const deps = [...text.matchAll(/(?:import|export)[^'";]*?from\s+'\.\/([\w.-]+)\.js'/g)];
      return [file, deps.map((match) => `${match[1]}.ts`)];
    }),
  );
}

/** Every circle found by a depth-first walk, as `a.ts -> b.ts -> a.ts`. */
function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      found.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  return found;
}

describe('src/testing import graph', () => {
  it('finds a circle when there is one (the checker itself can fail)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(cycles(graph)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
  });

  it('has no circle', () => {
    const graph = importGraph(DIR);
    expect(graph.size).toBeGreaterThan(10);
    expect(graph.get('operator.ts')).toContain('server.ts');
    expect(cycles(graph)).toEqual([]);
  });
});
