import { describe, expect, it } from 'vitest';
import type { TopologyOptions } from '../src/options.js';
import { TopologyError } from '../src/errors.js';
import { consensusCurve, digraphMetrics, maxDegree, meanSquareContraction, seededVector } from '../src/metrics.js';
import { createSchedule, listTopologies, TOPOLOGY_NAMES } from '../src/registry.js';
import { verifySchedule } from '../src/schedule.js';
import { codeOf, cycleEdges } from '../../../test-utils/index.js';

/** Options that make every name valid at n = 16. */
function optionsFor(name: string): TopologyOptions {
  if (name === 'directed') return { edges: [[0, 1], [1, 2], [2, 0], [2, 3], [3, 4], [4, 0], ...cycleEdges(16, 5)] };
  if (['inner-outer-ring', 'inner-outer-exp2', 'machine-exp2', 'hier'].includes(name)) return { seed: 3, localSize: 4 };
  return { seed: 3 };
}

describe('the registry', () => {
  it('lists every name once, each with a description and a kind', () => {
    const list = listTopologies();
    expect(list.map((t) => t.name)).toEqual([...TOPOLOGY_NAMES]);
    expect(new Set(TOPOLOGY_NAMES).size).toBe(TOPOLOGY_NAMES.length);
    for (const required of ['ring', 'torus', 'exp', 'onepeer-exp', 'od-equidyn', 'ou-equidyn', 'digraph-skewed', 'directed']) {
      expect(TOPOLOGY_NAMES).toContain(required);
    }
    for (const t of list) expect(t.description.length).toBeGreaterThan(10);
  });

  it('builds a consistent schedule for every name: kind matches, every send has its receive', () => {
    for (const t of listTopologies()) {
      const s = createSchedule(t.name, 16, optionsFor(t.name));
      expect(s.name).toBe(t.name);
      expect(s.nodes).toBe(16);
      expect(s.dynamic).toBe(t.kind === 'dynamic');
      expect(s.stochastic === 'column').toBe(t.kind === 'directed');
      expect(verifySchedule(s, 0, 4).messages).toBeGreaterThan(0);
    }
  });

  it('orders consensus after 30 rounds at n = 64 as the seeds say', () => {
    const after30 = (name: string): number => consensusCurve(createSchedule(name, 64, { seed: 1 }), 30, { seed: 9 })[29];
    const ring = after30('ring');
    const torus = after30('torus');
    const exp = after30('exp');
    expect(ring).toBeGreaterThan(torus);
    expect(torus).toBeGreaterThan(exp);
    expect(after30('onepeer-exp')).toBeLessThan(1e-12);
    expect(after30('od-equidyn')).toBeLessThan(torus);
  });

  it('one-peer schedules talk to one peer per iteration', () => {
    for (const name of ['onepeer-exp', 'od-equidyn', 'ou-equidyn', 'onepeer', 'onepeer-cycle']) {
      expect(maxDegree(createSchedule(name, 24, { seed: 2 }), 20)).toBe(1);
    }
  });

  it('OD-EquiDyn: mean-square contraction stays below sqrt(2)/2 for eta = 1/2 (seed 000)', () => {
    for (const n of [8, 16]) {
      const value = meanSquareContraction(createSchedule('od-equidyn', n, { seed: 4 }), 2000);
      expect(value).toBeLessThanOrEqual(Math.SQRT1_2);
      // Averaging |1/2 + 1/(2n) + (n-1)/(2n) w|^2 over the roots w != 1 gives (n-1)/(2n) exactly.
      expect(value).toBeCloseTo(Math.sqrt((n - 1) / (2 * n)), 1);
    }
  });

  it('draws are a pure function of (seed, iteration): same pair same W, next iteration or other seed different', () => {
    for (const name of ['od-equidyn', 'ou-equidyn', 'onepeer']) {
      const a = createSchedule(name, 32, { seed: 5 });
      const b = createSchedule(name, 32, { seed: 5 });
      const c = createSchedule(name, 32, { seed: 6 });
      let changes = 0;
      let seedDiffers = 0;
      for (let k = 0; k < 20; k++) {
        expect(b.matrix(k)).toEqual(a.matrix(k));
        if (JSON.stringify(a.matrix(k)) !== JSON.stringify(a.matrix(k + 1))) changes++;
        if (JSON.stringify(a.matrix(k)) !== JSON.stringify(c.matrix(k))) seedDiffers++;
      }
      expect(changes).toBeGreaterThanOrEqual(15);
      expect(seedDiffers).toBeGreaterThanOrEqual(15);
    }
  });

  it('column-stochastic schedules: push-sum meets seed 003 Theorem 1, |w(k) - xbar| <= kappa^1.5 beta^k |x0|', () => {
    for (const [name, n, options] of [
      ['digraph-skewed', 8, {}],
      ['directed', 16, optionsFor('directed')],
    ] as const) {
      const s = createSchedule(name, n, options);
      const m = digraphMetrics(s);
      if (m === undefined) throw new Error('static schedule expected');
      const x0 = seededVector(n, 1);
      const mean = x0.reduce((a, b) => a + b, 0) / n;
      const spread = Math.hypot(...x0.map((v) => v - mean));
      const bound = (k: number): number => m.kappaPi ** 1.5 * m.betaPi ** k * Math.hypot(...x0);
      consensusCurve(s, 40, x0).forEach((e, i) => expect(e * spread).toBeLessThanOrEqual(bound(i + 1)));
    }
    expect(digraphMetrics(createSchedule('digraph-skewed', 8))?.kappaPi).toBeCloseTo(2 ** 7, 6);
  });
});

describe('invalid requests', () => {
  it('an unknown name lists the known ones', () => {
    let caught: unknown;
    try {
      createSchedule('tours', 8);
    } catch (err) {
      caught = err;
    }
    expect((caught as TopologyError).code).toBe('E_TOPOLOGY_UNKNOWN');
    for (const name of TOPOLOGY_NAMES) expect((caught as TopologyError).message).toContain(name);
    expect(codeOf(() => createSchedule('constructor', 8), TopologyError)).toBe('E_TOPOLOGY_UNKNOWN');
  });

  it('bad node counts and options get typed errors', () => {
    // A prime n has no rows x cols shape: the graph code reports it as a node-count or shape problem.
    expect(codeOf(() => createSchedule('torus', 7), TopologyError)).toMatch(/^E_TOPOLOGY_(NODES|OPTION)$/);
    expect(codeOf(() => createSchedule('torus', 12, { rows: 5 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('exp', 1), TopologyError)).toBe('E_TOPOLOGY_NODES');
    for (const n of [0, -3, 2.5, Number.NaN]) expect(codeOf(() => createSchedule('ring', n), TopologyError)).toBe('E_TOPOLOGY_NODES');
    expect(codeOf(() => createSchedule('ring-lattice', 6, { degree: 8 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('od-equidyn', 8, { seed: -1 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('od-equidyn', 8, { eta: 1.5 }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('onepeer', 8, { base: 'exp' }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('directed', 4), TopologyError)).toBe('E_TOPOLOGY_OPTION');
    expect(codeOf(() => createSchedule('directed', 3, { edges: [[0, 5]] }), TopologyError)).toBe('E_TOPOLOGY_OPTION');
  });
});
