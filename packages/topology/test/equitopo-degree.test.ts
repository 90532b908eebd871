import { describe, expect, it } from 'vitest';
import {
  createSchedule,
  equiDegreeFor,
  equiEpsilonOf,
  equiStaticIndices,
  exponentialTau,
  rho,
  type Matrix,
} from '@dtrain/topology';
import { codeOf } from '../../../test-utils/index.js';

/** The label difference v of an OD-EquiDyn W(k): node 0 sends to v (W[v][0] is the off-diagonal entry of column 0). */
function odIndex(W: Matrix): number {
  return W.findIndex((row, i) => i !== 0 && row[0] !== 0);
}

/** The label differences of an OU-EquiDyn matching, as min(d, n - d). */
function ouDistances(W: Matrix): Set<number> {
  const n = W.length;
  const out = new Set<number>();
  W.forEach((row, i) => row.forEach((w, j) => w !== 0 && j > i && out.add(Math.min(j - i, n - j + i))));
  return out;
}

describe('OD-/OU-EquiDyn over the M indices of a static draw (reference ODEquiDyn(n, Ms), OUEquiDyn(n, Ms))', () => {
  it('OD-EquiDyn with degree M draws every v_k from the D-EquiStatic indices of the same seed, each of them', () => {
    for (const [n, M, seed] of [[16, 3, 1], [33, 4, 7], [64, 6, 2]]) {
      const indices = equiStaticIndices(n, { seed, degree: M });
      const s = createSchedule('od-equidyn', n, { seed, degree: M });
      const seen = new Set<number>();
      for (let k = 0; k < 300; k++) {
        const v = odIndex(s.matrix(k));
        expect(indices).toContain(v);
        seen.add(v);
      }
      expect(seen).toEqual(new Set(indices));
    }
  });

  it('without a degree OD-EquiDyn still reaches indices outside any small draw', () => {
    const n = 64;
    const s = createSchedule('od-equidyn', n, { seed: 2 });
    const seen = new Set<number>();
    for (let k = 0; k < 300; k++) seen.add(odIndex(s.matrix(k)));
    expect(seen.size).toBeGreaterThan(30);
  });

  it('OU-EquiDyn with degree M pairs nodes only along the static indices', () => {
    const n = 20;
    const indices = equiStaticIndices(n, { seed: 5, degree: 3 });
    const allowed = new Set(indices.map((u) => Math.min(u, n - u)));
    const s = createSchedule('ou-equidyn', n, { seed: 5, degree: 3 });
    for (let k = 0; k < 100; k++) for (const d of ouDistances(s.matrix(k))) expect(allowed.has(d)).toBe(true);
  });

  it('an epsilon gives the same draw as the degree it implies', () => {
    const M = equiDegreeFor(24, 0.9, 0.2);
    expect(createSchedule('od-equidyn', 24, { seed: 4, epsilon: 0.9, p: 0.2 }).matrix(11)).toEqual(
      createSchedule('od-equidyn', 24, { seed: 4, degree: M }).matrix(11),
    );
  });
});

describe('choosing M from (epsilon, p) by the EquiTopo rule M = floor(8 ln(2n/p) / (3 eps^2))', () => {
  it('computes M and inverts it', () => {
    // 8 ln(640) / 0.75 = 68.92
    expect(equiDegreeFor(32, 0.5, 0.1)).toBe(68);
    expect(equiEpsilonOf(32, 68, 0.1)).toBeGreaterThan(0.5);
    expect(equiEpsilonOf(32, 69, 0.1)).toBeLessThan(0.5);
  });

  it('delivers: rho < epsilon for at least 1 - p of the seeds (D- and U-EquiStatic, n = 24, eps = 0.6, p = 0.1)', () => {
    for (const name of ['d-equistatic', 'u-equistatic']) {
      let below = 0;
      for (let seed = 0; seed < 20; seed++) if (rho(createSchedule(name, 24, { seed, epsilon: 0.6, p: 0.1 }).matrix(0)) < 0.6) below++;
      expect(below).toBeGreaterThanOrEqual(18);
    }
  });

  it('the default M = ceil(log2 n) gives epsilon between 1.6 and 2.13 at p = 0.1 (no guarantee) for n = 8..1024', () => {
    for (let n = 8; n <= 1024; n *= 2) {
      const eps = equiEpsilonOf(n, exponentialTau(n), 0.1);
      expect(eps).toBeGreaterThan(1.6);
      expect(eps).toBeLessThan(2.13);
    }
  });

  it('refuses degree and epsilon together, a non-positive epsilon and p outside (0, 1)', () => {
    expect(codeOf(() => createSchedule('d-equistatic', 16, { degree: 3, epsilon: 0.5 }))).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('od-equidyn', 16, { epsilon: 0 }))).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('u-equistatic', 16, { epsilon: 0.5, p: 1 }))).toBe('E_TOPOLOGY_OPTION');
  });
});
