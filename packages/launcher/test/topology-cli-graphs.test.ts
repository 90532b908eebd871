import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedule } from '@dtrain/topology';
import { removeTempDirs, tempDir } from '../../../test-utils/index.js';
import { buildLauncher, dtrain, json, type Run } from './cli-run.js';

/** `dtrain topology ARGS...`. */
const topo = (...args: string[]): Run => dtrain('topology', ...args);
const topoJson = (...args: string[]): Record<string, unknown> => json(topo(...args));

beforeAll(buildLauncher, 240_000);
afterAll(() => removeTempDirs());

describe('the name as an argument, and --step / --steps', () => {
  it('matrix NAME --step k equals --topology NAME --iteration k and the library W(k)', () => {
    const a = topoJson('matrix', 'onepeer-exp', '--nodes', '8', '--step', '2');
    const b = topoJson('matrix', '--topology', 'onepeer-exp', '--nodes', '8', '--iteration', '2');
    expect(a).toEqual(b);
    expect(a.matrix).toEqual(createSchedule('onepeer-exp', 8).matrix(2));
  });

  it('inspect NAME --steps K measures K iterations', () => {
    const out = topoJson('inspect', 'ring', '--nodes', '6', '--steps', '7', '--json');
    expect((out.consensus as number[]).length).toBe(7);
    expect(topoJson('inspect', 'ring', '--nodes', '6', '--iterations', '7', '--json')).toEqual(out);
  });

  it('the new graphs take their options: --exp-base, --hub, --local-size, --epsilon', () => {
    expect(topoJson('matrix', 'exp', '--nodes', '10', '--exp-base', '3').matrix).toEqual(createSchedule('exp', 10, { expBase: 3 }).matrix(0));
    expect(topoJson('matrix', 'star', '--nodes', '5', '--hub', '2').matrix).toEqual(createSchedule('star', 5, { hub: 2 }).matrix(0));
    expect(topoJson('matrix', 'inner-outer-ring', '--nodes', '6', '--local-size', '3', '--step', '1').matrix).toEqual(
      createSchedule('inner-outer-ring', 6, { localSize: 3 }).matrix(1),
    );
    expect(topoJson('matrix', 'onepeer-cycle', '--nodes', '6', '--base', 'grid', '--rows', '2', '--step', '3').matrix).toEqual(
      createSchedule('onepeer-cycle', 6, { base: 'grid', rows: 2 }).matrix(3),
    );
  });
});

describe('inspect on periodic schedules reports the product over one period', () => {
  it('onepeer-exp at n = 8: period 3, exact; the transient comes from the period, not from the per-step rho', () => {
    const out = topoJson('inspect', 'onepeer-exp', '--nodes', '8', '--json');
    expect(out.period).toEqual({ period: 3, contraction: 0, perStep: 0, exact: true });
    expect(out.rho as number).toBeGreaterThan(0.8);
    expect(out.transientIterations).toEqual({ iid: 0, nonIid: 0 });
    const table = topo('inspect', 'onepeer-exp', '--nodes', '8').stdout;
    expect(table).toMatch(/^period\s+3: .* = 0, the exact average every 3 iterations/m);
  });

  it('onepeer-exp at n = 12 is not exact: the period contraction is in (0, 1) and the consensus error after 4 steps is below it', () => {
    const out = topoJson('inspect', 'onepeer-exp', '--nodes', '12', '--json');
    const period = out.period as { period: number; contraction: number; exact: boolean };
    expect(period.period).toBe(4);
    expect(period.exact).toBe(false);
    expect(period.contraction).toBeGreaterThan(0);
    expect(period.contraction).toBeLessThan(1);
    expect((out.consensus as number[])[3]).toBeLessThanOrEqual(period.contraction + 1e-12);
  });

  it('random schedules have no period entry', () => {
    expect(topoJson('inspect', 'od-equidyn', '--nodes', '8', '--json').period).toBeUndefined();
  });
});

describe('inspect on EquiTopo graphs says what M guarantees', () => {
  it('the default M = ceil(log2 n) gives epsilon above 1: no guarantee, said in the table', () => {
    const out = topoJson('inspect', 'd-equistatic', '--nodes', '16', '--json');
    const e = out.equiTopo as { M: number; epsilon: number; guarantee: boolean };
    expect(e.M).toBe(4);
    expect(e.epsilon).toBeCloseTo(Math.sqrt((8 * Math.log(320)) / 12), 10);
    expect(e.guarantee).toBe(false);
    expect(topo('inspect', 'd-equistatic', '--nodes', '16').stdout).toMatch(/EquiTopo .*no guarantee/);
  });

  it('--epsilon 0.6 picks M by the rule, and the measured rho is below 0.6', () => {
    const out = topoJson('inspect', 'u-equistatic', '--nodes', '16', '--epsilon', '0.6', '--json');
    const e = out.equiTopo as { M: number; epsilon: number; guarantee: boolean };
    expect(e.M).toBe(Math.floor((8 * Math.log(320)) / (3 * 0.36)));
    expect(e.guarantee).toBe(true);
    expect(out.rho as number).toBeLessThan(0.6);
  });
});

describe('inspect --svg', () => {
  const count = (svg: string, what: string): number => svg.split(`aria-roledescription="${what}"`).length - 1;

  it('draws every edge once, every node, and one curve point per iteration', () => {
    const dir = tempDir();
    const ring = join(dir, 'ring.svg');
    expect(topo('inspect', 'ring', '--nodes', '8', '--steps', '12', '--svg', ring).status).toBe(0);
    const a = readFileSync(ring, 'utf8');
    expect(a.startsWith('<svg')).toBe(true);
    expect(count(a, 'rule mark')).toBe(8);
    expect(count(a, 'circle')).toBe(8);
    expect(count(a, 'point')).toBe(12);
    // one-peer exp at n = 8 over its period: offsets 1 and 2 give 8 edges each, offset 4 gives 4
    const exp = join(dir, 'exp.svg');
    expect(topo('inspect', 'onepeer-exp', '--nodes', '8', '--svg', exp).status).toBe(0);
    expect(count(readFileSync(exp, 'utf8'), 'rule mark')).toBe(20);
  });

  it('an unwritable path is a usage error naming the flag', () => {
    const r = topo('inspect', 'ring', '--nodes', '8', '--svg', '/nonexistent-dir/x.svg');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--svg \/nonexistent-dir\/x\.svg/);
  });
});

describe('inspect knows the hosts', () => {
  it('hier:onepeer-exp over 4 hosts of 2: exact after 2, and 4 vectors cross hosts per iteration against 6.7 for flat onepeer-exp', () => {
    const hier = topoJson('inspect', 'hier:onepeer-exp', '--nodes', '8', '--local-size', '2', '--steps', '6', '--json');
    expect(hier.period).toMatchObject({ period: 2, exact: true });
    expect(hier.hosts).toEqual({ hosts: 4, localSize: 2, inter: 'onepeer-exp', crossHostMessagesPerIteration: 4 });
    const flat = topoJson('inspect', 'onepeer-exp', '--nodes', '8', '--local-size', '2', '--steps', '6', '--json');
    // offsets 1, 2, 4 in turn: 4, 8 and 8 of the 8 sends leave their host
    expect((flat.hosts as { crossHostMessagesPerIteration: number }).crossHostMessagesPerIteration).toBeCloseTo(20 / 3, 12);
  });

  it('a --local-size that does not divide --nodes is refused', () => {
    const r = topo('inspect', 'ring', '--nodes', '8', '--local-size', '3');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--local-size 3/);
  });
});
