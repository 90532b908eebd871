// The rules ARCHITECTURE.md states, checked on the sources: no import cycle
// inside a package, imports only down the layers (topology <- runtime <-
// launcher) and only through a package's exports, every error code in its
// package's README, no source file over 300 lines.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['topology', 'runtime', 'launcher'] as const;
/** What each package's sources may import of the others (package exports only). */
const ALLOWED: Record<(typeof PACKAGES)[number], readonly string[]> = {
  topology: [],
  runtime: ['@dtrain/topology'],
  launcher: ['@dtrain/topology', '@dtrain/runtime', '@dtrain/runtime/contract'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

/** A relative specifier ('./x.js') as the source file it names. */
function resolveLocal(from: string, spec: string): string {
  const base = resolve(dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error(`${relative(ROOT, from)} imports ${spec}, which is no source file`);
}

/** The first cycle in the graph, as a list of files (empty when there is none). */
function findCycle(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found.length > 0) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return [];
  };
  for (const node of graph.keys()) {
    if (state.get(node) !== undefined) continue;
    const found = visit(node);
    if (found.length > 0) return found;
  }
  return [];
}

describe.each(PACKAGES)('packages/%s/src', (pkg) => {
  const files = sources(join(ROOT, 'packages', pkg, 'src'));
  const graph = new Map(files.map((f) => [f, imports(f).filter((s) => s.startsWith('.')).map((s) => resolveLocal(f, s))]));

  it('has no import cycle (type-only imports included)', () => {
    expect(findCycle(graph).map((f) => relative(ROOT, f)).join(' -> ')).toBe('');
  });

  it('imports other packages only down the layers and only through their exports', () => {
    const wrong = files.flatMap((f) =>
      imports(f)
        .filter((s) => s.startsWith('@dtrain/') && !ALLOWED[pkg].includes(s))
        .map((s) => `${relative(ROOT, f)} imports ${s}`),
    );
    expect(wrong).toEqual([]);
  });

  it('lists every error code of its errors.ts in its README', () => {
    const codes = new Set(readFileSync(join(ROOT, 'packages', pkg, 'src', 'errors.ts'), 'utf8').match(/'E_[A-Z_]+'/g) ?? []);
    const readme = readFileSync(join(ROOT, 'packages', pkg, 'README.md'), 'utf8');
    expect(codes.size).toBeGreaterThan(0);
    expect([...codes].map((c) => c.slice(1, -1)).filter((c) => !readme.includes(`\`${c}\``))).toEqual([]);
  });

  it('keeps every file under 300 lines', () => {
    const long = files.filter((f) => readFileSync(f, 'utf8').split('\n').length > 300).map((f) => relative(ROOT, f));
    expect(long).toEqual([]);
  });
});

/** Runtime layers, bottom up: a directory may import only those before it (and the contract's light files). */
const RUNTIME_LAYERS = ['transport', 'comm', 'elastic', 'algorithms', 'tf', 'models', 'data', 'train'];

describe('packages/runtime/src layers', () => {
  it('transport, comm and algorithms never import a layer above them', () => {
    const src = join(ROOT, 'packages', 'runtime', 'src');
    const layerOf = (f: string): number => RUNTIME_LAYERS.indexOf(relative(src, f).split('/')[0]);
    const wrong = sources(src).flatMap((f) => {
      const own = layerOf(f);
      if (own < 0 || own > RUNTIME_LAYERS.indexOf('algorithms')) return [];
      return imports(f)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolveLocal(f, s))
        .filter((t) => layerOf(t) > own)
        .map((t) => `${relative(ROOT, f)} imports ${relative(ROOT, t)}`);
    });
    expect(wrong).toEqual([]);
  });
});

describe('errors', () => {
  it('every error class of every package is a DtrainError named after its class', async () => {
    const { DtrainError } = await import('../packages/topology/src/errors.js');
    const modules = await Promise.all(PACKAGES.map((p) => import(`../packages/${p}/src/errors.ts`) as Promise<Record<string, unknown>>));
    const classes = modules.flatMap((m) => Object.entries(m)).filter(([name]) => name.endsWith('Error') && name !== 'DtrainError');
    expect(classes.length).toBeGreaterThanOrEqual(17);
    for (const [name, cls] of classes) {
      expect(typeof cls, name).toBe('function');
      expect((cls as { prototype: object }).prototype instanceof DtrainError, name).toBe(true);
    }
    const { TrainError } = await import('../packages/runtime/src/errors.js');
    const err = new TrainError('E_TRAIN_STATE', 'x', { cause: 'why' });
    expect([err.name, err.code, err.cause, err instanceof Error]).toEqual(['TrainError', 'E_TRAIN_STATE', 'why', true]);
  });
});

describe('the cycle check', () => {
  it('finds a cycle when there is one, and none in a tree', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });
});
