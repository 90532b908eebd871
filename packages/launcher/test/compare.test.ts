// `dtrain compare`: the configuration list, the launch arguments, and the
// whole command (compiled CLI; build first: npx tsc -b packages/launcher) on a
// fixture worker and, when it exists, the logistic-regression example.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { configSlug, parseConfigs } from '../src/compare/configs.js';
import { launchArgs, type ComparePlan } from '../src/compare/run.js';
import { DEFAULT_TOPOLOGY } from '../src/constants.js';

const BIN = fileURLToPath(new URL('../bin/dtrain.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/compare-worker.mjs', import.meta.url));
const LOGISTIC = fileURLToPath(new URL('../../../examples/logistic-regression/train.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'dtrain-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function dtrain(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));

describe('--configs', () => {
  it('parses algorithm[:topology[:H]] with defaults and file-safe slugs', () => {
    const c = parseConfigs('psgd,dsgd:onepeer-exp,pga:onepeer-exp:8,dsgd:ring,dsgd:od-equidyn', 4);
    expect(c.map((x) => x.label)).toEqual(['psgd', 'dsgd:onepeer-exp', 'pga:onepeer-exp:8', 'dsgd:ring', 'dsgd:od-equidyn']);
    expect(c[2]).toMatchObject({ algorithm: 'pga', topology: 'onepeer-exp', globalAvgPeriod: 8, slug: 'pga-onepeer-exp-8' });
    expect(c[0].globalAvgPeriod).toBeNull();
    expect(configSlug('a:b/c')).toBe('a-b_c');
  });

  it('refuses bad entries with a usage error naming them', () => {
    const bad: [string, RegExp][] = [
      ['psgd,dsgd:nosuch', /unknown topology 'nosuch'/],
      ['psgd,sgd:ring', /unknown algorithm 'sgd'/],
      ['dsgd:ring:8', /dsgd has no global-average period/],
      ['pga:ring:0', /period "0"/],
      ['psgd,,dsgd', /"" is not algorithm/],
      ['dsgd:ring,dsgd:ring', /twice/],
      ['dsgd:digraph-skewed', /doubly stochastic/],
      ['dsgd:torus', /dsgd:torus with 7 nodes/],
      ['psgd+overlap', /psgd does not gossip/],
      ['dsgd+overlap:ring', /unknown or repeated suffix '\+overlap:ring'/],
      ['dsgd:ring+fast', /unknown or repeated suffix '\+fast'/],
    ];
    for (const [list, re] of bad) expect(() => parseConfigs(list, 7)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(re) }));
  });

  it('hands every configuration the same nodes, seed and script', () => {
    const plan: ComparePlan = {
      nodes: 4, script: '/x/train.mjs', scriptArgs: ['--lr', '0.1'], env: {}, seed: 7, launchFlags: ['--backend', 'cpu'],
      configs: parseConfigs('psgd,pga:exp:4', 4), out: '/o', freePort: false,
    };
    const [a, b] = plan.configs.map((c) => launchArgs(plan, c, 30000));
    expect(a).toEqual(['launch', '--nodes', '4', '--algorithm', 'psgd', '--topology', DEFAULT_TOPOLOGY, '--seed', '7', '--out', '/o/psgd', '--backend', 'cpu', '--port', '30000', '/x/train.mjs', '--', '--lr', '0.1']);
    expect(b).toContain('--global-avg-period');
    expect(b[b.indexOf('--global-avg-period') + 1]).toBe('4');
    expect([...a, ...b]).not.toContain('--overlap');
  });

  it('+overlap runs the configuration with dtrain launch --overlap, apart from the plain one', () => {
    const c = parseConfigs('dsgd:onepeer-exp,dsgd:onepeer-exp+overlap,pga:onepeer-exp:8+overlap', 4);
    expect(c.map((x) => x.label)).toEqual(['dsgd:onepeer-exp', 'dsgd:onepeer-exp+overlap', 'pga:onepeer-exp:8+overlap']);
    expect(c.map((x) => x.overlap)).toEqual([false, true, true]);
    expect(new Set(c.map((x) => x.slug)).size).toBe(3);
    expect(c[2]).toMatchObject({ algorithm: 'pga', topology: 'onepeer-exp', globalAvgPeriod: 8 });
    const plan: ComparePlan = { nodes: 4, script: '/x/t.mjs', scriptArgs: [], env: {}, seed: 0, launchFlags: [], configs: c, out: '/o', freePort: false };
    expect(launchArgs(plan, c[1])).toContain('--overlap');
    expect(launchArgs(plan, c[0])).not.toContain('--overlap');
  });
});

describe('dtrain compare', () => {
  it('exits 2 naming an unknown topology, before running anything', async () => {
    const out = join(root, 'refused');
    const r = await dtrain(['compare', '--nodes', '2', FIXTURE, '--configs', 'psgd,dsgd:nosuch', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown topology 'nosuch'/);
    expect(existsSync(out)).toBe(false);
  });

  it('on a fixture job: comparison.json holds the summaries\' numbers, and a failed run is reported', async () => {
    const out = join(root, 'fixture');
    const r = await dtrain(['compare', '--nodes', '2', FIXTURE, '--configs', 'psgd,dsgd:ring,pga:ring:2', '--steps', '6', '--out', out], { FIXTURE_FAIL_ALGORITHM: 'pga' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pga:ring:2 failed \(exit 1\)/);
    const cmp = readJson(join(out, 'comparison.json')) as { configs: Record<string, number | string | null>[]; baseline: string; targetAccuracy: number; failed: { label: string }[] };
    expect(cmp.failed.map((f) => f.label)).toEqual(['pga:ring:2']);
    expect(cmp.configs.map((c) => c.label)).toEqual(['psgd', 'dsgd:ring']);
    const sums = ['psgd', 'dsgd-ring'].map((d) => readJson(join(out, d, 'summary.json')) as Record<string, number>);
    cmp.configs.forEach((c, i) => {
      for (const key of ['meanStepSeconds', 'meanCommSeconds', 'finalAccuracy', 'finalLoss', 'steps', 'nodes']) expect(c[key]).toBe(sums[i][key]);
    });
    expect(sums[1].algorithm).toBe('dsgd');
    expect(sums[1].topology).toBe('ring');
    expect(cmp.baseline).toBe('psgd');
    expect(cmp.targetAccuracy).toBe(sums[0].finalAccuracy);
    // the fixture's gossip run reaches psgd's final accuracy two steps early
    expect(cmp.configs[1].stepsToTarget).toBe(4);
    expect(cmp.configs[1].speedupPerStep).toBeCloseTo((cmp.configs[0].wallSecondsPerStep as number) / (cmp.configs[1].wallSecondsPerStep as number), 12);
    // the fixture's clock: its steps, 1 ms between them, evaluations left out; the slower rank is rank 1
    const clock = (gossip: boolean): number => Array.from({ length: 6 }, (_, i) => i + 1)
      .reduce((t, k) => t + 0.01 + 0.0005 * k + 0.001 + (gossip ? 0.004 + 0.001 * ((1 + k) % 2) : 0.022) + (k > 1 ? 0.001 : 0), 0);
    expect(cmp.configs[0].wallSecondsPerStep).toBeCloseTo(clock(false) / 6, 9);
    expect(cmp.configs[1].wallSecondsPerStep).toBeCloseTo(clock(true) / 6, 9);
    expect(readFileSync(join(out, 'comparison.md'), 'utf8')).toContain('| `dsgd:ring` |');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('configuration: dsgd:ring;');
    // every rank's log was kept
    expect(readdirSync(join(out, 'psgd')).filter((f) => f.endsWith('.ndjson')).sort()).toEqual(['rank-0.ndjson', 'rank-1.ndjson']);
  });

  it('refuses to append to an earlier run\'s logs', async () => {
    const r = await dtrain(['compare', '--nodes', '2', FIXTURE, '--configs', 'psgd', '--out', join(root, 'fixture')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds a run/);
  });

  it.skipIf(!existsSync(LOGISTIC))('on the logistic-regression example: the numbers are the runs\' summaries', async () => {
    const out = join(root, 'logistic');
    const r = await dtrain(['compare', '--nodes', '2', '--example', 'logistic-regression', '--configs', 'psgd,dsgd:ring', '--steps', '50', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const cmp = readJson(join(out, 'comparison.json')) as { configs: Record<string, number | string | null>[] };
    const sums = ['psgd', 'dsgd-ring'].map((d) => readJson(join(out, d, 'summary.json')) as Record<string, number | null>);
    cmp.configs.forEach((c, i) => {
      for (const key of ['meanStepSeconds', 'meanCommSeconds', 'finalAccuracy', 'finalLoss', 'steps']) expect(c[key]).toBe(sums[i][key]);
    });
    expect(sums.map((s) => s.algorithm)).toEqual(['psgd', 'dsgd']);
    expect(sums.every((s) => s.steps === 50)).toBe(true);
  }, 60_000);
});
