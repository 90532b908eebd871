import { beforeAll, describe, expect, it } from 'vitest';
import { createSchedule, listTopologies, rho, TOPOLOGY_NAMES } from '@dtrain/topology';
import { buildLauncher, dtrain, json } from './cli-run.js';

beforeAll(buildLauncher, 240_000);

describe('dtrain topology list', () => {
  it('prints every name with its description, and the same as JSON', () => {
    const r = dtrain('topology', 'list');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([...TOPOLOGY_NAMES]);
    expect(json(dtrain('topology', 'list', '--json'))).toEqual(listTopologies());
  });
});

describe('dtrain topology matrix', () => {
  it('prints W as JSON whose rows and columns sum to 1, equal to the library matrix', () => {
    const out = json(dtrain('topology', 'matrix', '--topology', 'torus', '--nodes', '12', '--rows', '3'));
    expect(out).toMatchObject({ topology: 'torus', nodes: 12, iteration: 0 });
    const W = out.matrix as number[][];
    const expected = createSchedule('torus', 12, { rows: 3 }).matrix(0);
    expect(W.length).toBe(12);
    W.forEach((row, i) => {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(W.reduce((a, r) => a + r[i], 0)).toBeCloseTo(1, 12);
      row.forEach((w, j) => expect(w).toBeCloseTo(expected[i][j], 15));
    });
  });

  it('gives the same random draw for the same (seed, iteration) and follows the iteration', () => {
    const at = (k: number, seed: number) =>
      json(dtrain('topology', 'matrix', '--topology', 'od-equidyn', '--nodes', '9', '--seed', String(seed), '--iteration', String(k)))
        .matrix as number[][];
    const first = at(3, 4);
    expect(at(3, 4)).toEqual(first);
    expect(first).toEqual(createSchedule('od-equidyn', 9, { seed: 4 }).matrix(3));
    expect(at(4, 4)).toEqual(createSchedule('od-equidyn', 9, { seed: 4 }).matrix(4));
  });

  it('parses --edges for a directed graph into a column-stochastic W', () => {
    const W = json(dtrain('topology', 'matrix', '--topology', 'directed', '--nodes', '3', '--edges', '0>1, 1->2,2>0,0>2'))
      .matrix as number[][];
    for (let j = 0; j < 3; j++) expect(W.reduce((a, r) => a + r[j], 0)).toBeCloseTo(1, 12);
    expect(W[1][0]).toBeCloseTo(1 / 3, 12); // node 0 sends to 1 and 2: out-degree 2
    expect(W[0][1]).toBe(0); // no edge 1 > 0
  });
});

describe('dtrain topology inspect', () => {
  it('one-peer exponential at n = 16: exact average after 4 rounds, one peer', () => {
    const out = json(dtrain('topology', 'inspect', '--topology', 'onepeer-exp', '--nodes', '16', '--json'));
    expect(out).toMatchObject({ topology: 'onepeer-exp', nodes: 16, directed: true, dynamic: true, maxDegree: 1 });
    const consensus = out.consensus as number[];
    expect(consensus.length).toBe(30);
    expect(consensus[2]).toBeGreaterThan(1e-6);
    expect(consensus[3]).toBeLessThan(1e-12);
    expect(typeof out.rho).toBe('number');
  });

  it('static graphs report rho = ||W - J||_2 and a decreasing curve of --iterations entries', () => {
    const out = json(dtrain('topology', 'inspect', '--topology', 'ring', '--nodes', '10', '--iterations', '12', '--json'));
    expect(out.rho as number).toBeCloseTo(rho(createSchedule('ring', 10).matrix(0)), 12);
    const consensus = out.consensus as number[];
    expect(consensus.length).toBe(12);
    consensus.slice(1).forEach((e, i) => expect(e).toBeLessThanOrEqual(consensus[i]));
    expect(out.betaPi).toBeUndefined();
  });

  it('digraphs report beta_pi and kappa_pi (seed 003: 1/sqrt 2 and 2^(n-1))', () => {
    const out = json(dtrain('topology', 'inspect', '--topology', 'digraph-skewed', '--nodes', '6', '--json'));
    expect(out.betaPi as number).toBeCloseTo(Math.SQRT1_2, 6);
    expect(out.kappaPi as number).toBeCloseTo(32, 6);
    expect(out.stochastic).toBe('column');
  });

  it('prints a readable table by default', () => {
    const r = dtrain('topology', 'inspect', '--topology', 'exp', '--nodes', '8');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^topology\s+exp/m);
    expect(r.stdout).toMatch(/^rho\s+0\.5/m); // 1 - 2/(tau+1) with tau = 3
    expect(r.stdout).toMatch(/k =\s+30/);
    expect(() => JSON.parse(r.stdout)).toThrow();
  });
});

describe('misuse exits with code 2 and says what was wrong', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['non-integer --nodes', ['matrix', '--topology', 'ring', '--nodes', '7.5'], /--nodes.*7\.5/],
    ['non-numeric --nodes', ['inspect', '--topology', 'ring', '--nodes', 'abc'], /--nodes.*abc/],
    ['unknown name', ['matrix', '--topology', 'tours', '--nodes', '8'], /tours.*ring.*torus/],
    ['torus with prime n', ['matrix', '--topology', 'torus', '--nodes', '7'], /torus.*7/],
    ['exp with one node', ['inspect', '--topology', 'exp', '--nodes', '1'], /n = 1|n=1/],
    ['degree above n - 1', ['matrix', '--topology', 'ring-lattice', '--nodes', '6', '--degree', '8'], /degree.*8/],
    ['missing --topology', ['matrix', '--nodes', '8'], /--topology/],
    ['bad weight scheme', ['matrix', '--topology', 'ring', '--nodes', '8', '--weights', 'uniform'], /metropolis.*'uniform'/],
    ['malformed edge', ['matrix', '--topology', 'directed', '--nodes', '3', '--edges', '0-1'], /0-1/],
    ['zero iterations', ['inspect', '--topology', 'ring', '--nodes', '8', '--iterations', '0'], /--iterations/],
    ['stray argument', ['inspect', 'ring', 'torus', '--nodes', '8'], /argument/],
    ['two different names', ['inspect', 'ring', '--topology', 'torus', '--nodes', '8'], /'ring'.*'torus'/],
    ['no name at all', ['inspect', '--nodes', '8'], /topology list/],
    ['--weights on exp', ['matrix', 'exp', '--nodes', '8', '--weights', 'metropolis'], /--weights is not used by exp/],
    ['--eta on ring', ['inspect', 'ring', '--nodes', '8', '--eta', '0.3'], /--eta is not used by ring/],
    ['--degree on onepeer-exp', ['inspect', 'onepeer-exp', '--nodes', '8', '--degree', '2'], /--degree is not used by onepeer-exp/],
    ['--rows on onepeer over a ring base', ['matrix', 'onepeer', '--nodes', '8', '--rows', '2'], /--rows is not used by onepeer/],
    ['--p without --epsilon on d-equistatic', ['matrix', 'd-equistatic', '--nodes', '8', '--p', '0.1'], /epsilon/],
    ['--step and a different --iteration', ['matrix', 'ring', '--nodes', '8', '--step', '1', '--iteration', '2'], /--iteration.*--step/],
    ['machine schedule without --local-size', ['inspect', 'machine-exp2', '--nodes', '8'], /--local-size/],
  ];
  for (const [what, args, says] of cases) {
    it(what, () => {
      const r = dtrain('topology', ...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(says);
    });
  }
});
