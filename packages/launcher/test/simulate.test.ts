// The alpha-beta simulator against hand-computed cases, its calibration
// round trip, and `dtrain simulate` through its command function.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchedule } from '@dtrain/topology';
import { afterAll, describe, expect, it } from 'vitest';
import { fitLine, runSummary, stepLine } from '../../../test-utils/index.js';
import { runSimulate, type SimulateOptionsRaw } from '../src/commands/simulate.js';
import { parseConfigs } from '../src/compare/configs.js';
import { readRunDir } from '../src/compare/run-data.js';
import { busiestDegree, linkFromRate, onePeer, ringAllreduce, scheduleGossip, seconds, staticExponential } from '../src/simulate/alpha-beta.js';
import { calibrate } from '../src/simulate/calibrate.js';
import { messageBytes, simulate, type SimInput } from '../src/simulate/model.js';
import { parseCount, parseRate } from '../src/simulate/units.js';

const root = mkdtempSync(join(tmpdir(), 'dtrain-simulate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// alpha = 1 ms, 8 Gbit/s -> beta = 1 ns per byte; b = 1e6 parameters x 4 bytes.
const alpha = 1e-3;
const beta = 1e-9;
const link = { alpha, beta };
const bytes = 4e6;

describe('alpha-beta formulas', () => {
  it('ring allreduce: 2(n-1) alpha + 2(n-1)/n b beta', () => {
    // n = 4: 6 ms + 1.5 x 4 ms = 12 ms
    expect(seconds(ringAllreduce(4, bytes), link)).toBeCloseTo(0.006 + 0.006, 15);
    // n = 256: 510 ms + (510/256) x 4 ms
    expect(seconds(ringAllreduce(256, bytes), link)).toBeCloseTo(0.51 + (510 / 256) * 0.004, 15);
    expect(seconds(ringAllreduce(1, bytes), link)).toBe(0);
  });

  it('one-peer: alpha + b beta; static exponential: log2(n) (alpha + b beta)', () => {
    expect(seconds(onePeer(bytes), link)).toBeCloseTo(0.005, 15);
    expect(seconds(staticExponential(8, bytes), link)).toBeCloseTo(3 * 0.005, 15);
    expect(linkFromRate(8e9, alpha).beta).toBeCloseTo(beta, 20);
  });

  it('the general schedule rule gives the closed forms on their graphs', () => {
    for (const n of [4, 8, 16, 64]) {
      expect(scheduleGossip(createSchedule('exp', n), bytes)).toEqual(staticExponential(n, bytes));
      expect(scheduleGossip(createSchedule('onepeer-exp', n), bytes)).toEqual(onePeer(bytes));
      expect(scheduleGossip(createSchedule('ring', n), bytes)).toEqual({ messages: 2, bytes: 2 * bytes });
    }
    // two nodes: the ring is one edge
    expect(scheduleGossip(createSchedule('ring', 2), bytes)).toEqual(onePeer(bytes));
  });

  it('busiest degree is max over ranks of in- and out-degree, self loops aside', () => {
    // node 0 receives from 1, 2, 3 (in-degree 3); each sends to node 0 only
    const star = [
      [0.25, 0.25, 0.25, 0.25],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    expect(busiestDegree(star)).toBe(3);
    // directed cycle: everyone sends one, receives one
    expect(busiestDegree([[0.5, 0.5, 0], [0, 0.5, 0.5], [0.5, 0, 0.5]])).toBe(1);
  });
});

describe('simulate', () => {
  const input: SimInput = { nodes: 8, params: 1e6, bytesPerParam: 4, computeSeconds: 0.02, link, overlap: false };
  const configs = parseConfigs('psgd,dsgd:onepeer-exp,dsgd:exp,pga:onepeer-exp:4,local-sgd:ring:2,gradient-tracking:onepeer-exp', 8);
  const rows = simulate(configs, input);
  const by = (label: string) => rows.find((r) => r.label === label) as (typeof rows)[number];
  const ring8 = 14 * alpha + (14 / 8) * bytes * beta;
  const one = alpha + bytes * beta;

  it('per-step time = compute + comm, pga: compute + (H-1)/H gossip + periodic / H', () => {
    expect(by('psgd').stepSeconds).toBeCloseTo(0.02 + ring8, 15);
    expect(by('dsgd:onepeer-exp').stepSeconds).toBeCloseTo(0.02 + one, 15);
    expect(by('dsgd:exp').stepSeconds).toBeCloseTo(0.02 + 3 * one, 15);
    // the H-th step averages globally instead of gossiping
    expect(by('pga:onepeer-exp:4').stepSeconds).toBeCloseTo(0.02 + (3 / 4) * one + ring8 / 4, 15);
    expect(by('pga:onepeer-exp:4').commSeconds).toBeCloseTo((3 / 4) * one + ring8 / 4, 15);
    expect(by('pga:onepeer-exp:4').periodicSeconds).toBeCloseTo(ring8, 15);
    expect(by('local-sgd:ring:2').stepSeconds).toBeCloseTo(0.02 + ring8 / 2, 15);
    // x and y travel in one message of twice the model
    expect(by('gradient-tracking:onepeer-exp').stepSeconds).toBeCloseTo(0.02 + alpha + 2 * bytes * beta, 15);
    expect(messageBytes('push-sum', 10, 4)).toBe(44);
  });

  it('speedup is psgd / configuration', () => {
    expect(by('psgd').speedupPerStep).toBe(1);
    expect(by('dsgd:onepeer-exp').speedupPerStep).toBeCloseTo((0.02 + ring8) / (0.02 + one), 12);
    expect(simulate(parseConfigs('dsgd:ring', 8), input)[0].speedupPerStep).toBeNull();
  });

  it('overlap hides per-step communication, never the periodic global average', () => {
    const over = simulate(configs, { ...input, overlap: true, computeSeconds: 0.004 });
    const o = (label: string) => over.find((r) => r.label === label) as (typeof over)[number];
    expect(o('psgd').stepSeconds).toBeCloseTo(Math.max(0.004, ring8), 15);
    expect(o('dsgd:onepeer-exp').stepSeconds).toBeCloseTo(Math.max(0.004, one), 15);
    expect(o('pga:onepeer-exp:4').stepSeconds).toBeCloseTo((3 / 4) * Math.max(0.004, one) + (0.004 + ring8) / 4, 15);
    // a +overlap configuration overlaps on its own
    const own = simulate(parseConfigs('dsgd:onepeer-exp+overlap', 8), { ...input, computeSeconds: 0.004 })[0];
    expect(own.stepSeconds).toBeCloseTo(Math.max(0.004, one), 15);
  });

  it('gossip rounds multiply the per-step gossip', () => {
    const two = simulate(parseConfigs('dsgd:onepeer-exp', 8), { ...input, rounds: 2 })[0];
    expect(two.stepCommSeconds).toBeCloseTo(2 * one, 15);
  });
});

describe('calibration', () => {
  /** A measured run whose communication is exactly the model's at `bitsPerSecond`. */
  function measuredRun(algorithm: string, topology: string, nodes: number, params: number, bitsPerSecond: number, alphaS: number): string {
    const dir = join(root, `${algorithm}-${topology}-${nodes}`);
    mkdirSync(dir, { recursive: true });
    const b = params * 4;
    const terms = algorithm === 'psgd' ? ringAllreduce(nodes, b) : scheduleGossip(createSchedule(topology, nodes), b);
    const comm = seconds(terms, linkFromRate(bitsPerSecond, alphaS));
    const summary = runSummary({ algorithm, topology, nodes, steps: 10, meanStepSeconds: 0.03 + comm, meanCommSeconds: comm, meanComputeSeconds: 0.03 });
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    const lines = [JSON.stringify(fitLine(params)), ...Array.from({ length: 10 }, (_, k) => JSON.stringify(stepLine({ step: k + 1, computeSeconds: 0.03, commSeconds: comm, bytesSent: terms.bytes })))];
    for (let r = 0; r < nodes; r++) writeFileSync(join(dir, `rank-${r}.ndjson`), `${lines.join('\n')}\n`);
    return dir;
  }

  it('recovers the link rate a run was made with', () => {
    for (const [algorithm, topology] of [['psgd', 'ring'], ['dsgd', 'exp'], ['dsgd', 'onepeer-exp']]) {
      const dir = measuredRun(algorithm, topology, 8, 100_000, 2.5e9, 50e-6);
      const c = calibrate(readRunDir(dir, 'x'), { alpha: 50e-6, bytesPerParam: 4 });
      expect(c.bitsPerSecond / 2.5e9).toBeCloseTo(1, 9);
      expect(c.params).toBe(100_000);
      expect(c.computeSeconds).toBe(0.03);
      expect(c.measuredBytesPerStep).toBeCloseTo(c.terms.bytes, 6);
    }
  });

  it('refuses a latency larger than the whole measured communication', () => {
    const dir = measuredRun('dsgd', 'ring', 4, 10, 1e9, 1e-6);
    expect(() => calibrate(readRunDir(dir, 'x'), { alpha: 1, bytesPerParam: 4 })).toThrow(/below the latency alone/);
  });

  it('`dtrain simulate --calibrate DIR --nodes 64` extrapolates with the measured compute and link', () => {
    const dir = measuredRun('psgd', 'ring', 4, 250_000, 1e9, 50e-6);
    const raw: SimulateOptionsRaw = { calibrate: dir, nodes: '4,64', configs: 'psgd,dsgd:onepeer-exp', latencyUs: '50', bytesPerParam: '4', seed: '0' };
    const report = runSimulate(raw);
    expect(report.inputs.bitsPerSecond / 1e9).toBeCloseTo(1, 9);
    const psgd4 = report.rows.find((r) => r.nodes === 4 && r.label === 'psgd');
    // the model reproduces the measured run it was calibrated on
    expect(psgd4?.commSeconds).toBeCloseTo(report.calibration?.measuredCommSeconds as number, 12);
    const one64 = report.rows.find((r) => r.nodes === 64 && r.label === 'dsgd:onepeer-exp');
    expect(one64?.stepSeconds).toBeCloseTo(0.03 + 50e-6 + 1e6 * (8 / 1e9), 12);
  });
});

describe('units and usage', () => {
  it('parses rates and counts', () => {
    expect(parseRate('--bandwidth', '25gbit')).toBe(25e9);
    expect(parseRate('--bandwidth', '100Mbit/s')).toBe(1e8);
    expect(parseCount('--params', '25.5M')).toBeCloseTo(25.5e6, 6);
    expect(() => parseRate('--bandwidth', 'fast')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseCount('--params', '-3')).toThrow(/--params "-3"/);
  });

  it('needs --params, --compute-ms and --nodes without --calibrate', () => {
    const base: SimulateOptionsRaw = { configs: 'psgd', latencyUs: '50', bytesPerParam: '4', seed: '0' };
    expect(() => runSimulate(base)).toThrow(/--params is required/);
    expect(() => runSimulate({ ...base, params: '1M' })).toThrow(/--compute-ms is required/);
    expect(() => runSimulate({ ...base, params: '1M', computeMs: '10' })).toThrow(/--nodes is required/);
    expect(() => runSimulate({ ...base, params: '1M', computeMs: '10', nodes: '8', configs: 'psgd,dsgd:nosuch' })).toThrow(/unknown topology 'nosuch'/);
  });
});
