import { describe, expect, it } from 'vitest';
import { onePeerSample, rngFrom, staticExponential, type Matrix } from '@dtrain/topology';

function fromEdges(n: number, edges: Array<[number, number]>): Matrix {
  const W: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) W[i][i] = 1;
  for (const [i, j] of edges) W[i][j] = W[j][i] = 0.25;
  return W;
}
const ring = (n: number): Matrix => fromEdges(n, Array.from({ length: n }, (_, i) => [i, (i + 1) % n]));
function randomGraph(n: number, p: number, seed: number): Matrix {
  const rng = rngFrom(seed, 99);
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rng.next() < p) edges.push([i, j]);
  return fromEdges(n, edges);
}
function symmetrised(W: Matrix): Matrix {
  return W.map((row, i) => row.map((w, j) => (w + W[j][i]) / 2));
}

const bases: Array<[string, Matrix]> = [
  ['ring 7', ring(7)],
  ['ring 8', ring(8)],
  ['exponential 12 (symmetrised)', symmetrised(staticExponential(12))],
  ['random 20', randomGraph(20, 0.2, 1)],
  ['complete 9', fromEdges(9, Array.from({ length: 9 }, (_, i) => i).flatMap((i) => Array.from({ length: 9 - i - 1 }, (_, t) => [i, i + t + 1] as [number, number])))],
];

describe('one-peer sampler over a static undirected graph', () => {
  it('is symmetric, doubly stochastic, uses only base edges, at most one peer each, and the matching is maximal', () => {
    for (const [name, base] of bases) {
      const n = base.length;
      for (let k = 0; k < 30; k++) {
        const W = onePeerSample(base, k, 4);
        const matched = new Array<boolean>(n).fill(false);
        for (let i = 0; i < n; i++) {
          expect(W[i].reduce((a, b) => a + b, 0), name).toBeCloseTo(1, 14);
          const peers = W[i].flatMap((w, j) => (w !== 0 && j !== i ? [j] : []));
          expect(peers.length, name).toBeLessThanOrEqual(1);
          for (const j of peers) {
            expect(base[i][j], `${name}: ${i}-${j} is not an edge`).not.toBe(0);
            expect(W[i][j]).toBe(0.5);
            expect(W[j][i]).toBe(0.5);
            expect(W[i][i]).toBe(0.5);
            matched[i] = true;
          }
          if (peers.length === 0) expect(W[i][i]).toBe(1);
        }
        // maximal: no base edge has both ends unmatched
        for (let i = 0; i < n; i++) {
          for (let j = i + 1; j < n; j++) if (base[i][j] !== 0) expect(matched[i] || matched[j], name).toBe(true);
        }
      }
    }
  });

  it('is a pure function of (seed, k) and uses every base edge over time', () => {
    const base = ring(6);
    const used = new Set<string>();
    let changes = 0;
    for (let k = 0; k < 60; k++) {
      const W = onePeerSample(base, k, 9);
      expect(onePeerSample(base, k, 9)).toEqual(W);
      if (JSON.stringify(onePeerSample(base, k + 1, 9)) !== JSON.stringify(W)) changes++;
      for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) if (W[i][j] !== 0) used.add(`${i}-${j}`);
    }
    expect(used.size).toBe(6);
    expect(changes).toBeGreaterThan(30);
  });

  it('rejects a base whose pattern is not symmetric, and bad iterations or seeds', () => {
    const W = ring(5);
    W[0][1] = 0;
    expect(() => onePeerSample(W, 0, 0)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_MATRIX' }));
    expect(() => onePeerSample([[1, 0], [0]], 0, 0)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_MATRIX' }));
    expect(() => onePeerSample(ring(5), -1, 0)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
    expect(() => onePeerSample(ring(5), 0, 1.5)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_OPTION' }));
  });
});
