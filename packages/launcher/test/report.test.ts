// buildComparison, the curves and report.html on fixture run directories that
// this file writes (summary.json + rank-<i>.ndjson, as the runtime writes them).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitLine, runSummary, stepLine } from '../../../test-utils/index.js';
import { buildComparison } from '../src/compare/build.js';
import { rankElapsed, runCurves, stepCurve, wallAt } from '../src/compare/curves.js';
import { readRunDir, type RunData } from '../src/compare/run-data.js';
import { rebuildComparison } from '../src/compare/rebuild.js';
import { writeComparison } from '../src/compare/run.js';
import { comparisonCharts, thin } from '../src/report/charts.js';

const root = mkdtempSync(join(tmpdir(), 'dtrain-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface FixtureSpec {
  label: string;
  algorithm: string;
  topology: string;
  nodes: number;
  steps: number;
  /** Log every this many steps. */
  logEvery?: number;
  compute: (rank: number, step: number) => number;
  comm: (rank: number, step: number) => number;
  loss: (rank: number, step: number) => number;
  /** Average-model accuracy at these steps. */
  evals: [number, number][];
}

/** How long each evaluation paused a rank (in its eval record, left out of the wall-clock). */
const EVAL_SECONDS = 0.25;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Write a run directory the way a run does; returns it. */
function writeFixture(spec: FixtureSpec): string {
  const dir = join(root, spec.label.replace(/:/g, '-'));
  mkdirSync(dir, { recursive: true });
  const perRank: { step: number; comm: number }[] = [];
  for (let r = 0; r < spec.nodes; r++) {
    const lines = ['{"time":1,"stream":"stderr","msg":"plain text from the backend"}', 'not json at all', JSON.stringify({ level: 30, ...fitLine(7850), msg: 'training' })];
    // The rank's own clock: every step's time, plus EVAL_SECONDS for each evaluation before it.
    let elapsed = 0;
    for (let k = 1; k <= spec.steps; k++) {
      elapsed += spec.compute(r, k) + spec.comm(r, k);
      if (k % (spec.logEvery ?? 1) === 0) {
        lines.push(JSON.stringify({ level: 30, rank: r, ...stepLine({ step: k, loss: spec.loss(r, k), computeSeconds: spec.compute(r, k), commSeconds: spec.comm(r, k), bytesSent: 1000, elapsedSeconds: elapsed }), msg: 'step' }));
      }
      if (spec.evals.some(([step]) => step === k)) elapsed += EVAL_SECONDS;
    }
    for (const [step, acc] of spec.evals) lines.push(JSON.stringify({ level: 30, rank: r, kind: 'eval', step, localAccuracy: acc - 0.01, averageAccuracy: acc, consensusDistance: 0.1, seconds: EVAL_SECONDS, msg: 'eval' }));
    writeFileSync(join(dir, `rank-${r}.ndjson`), `${lines.join('\n')}\n`);
    const ks = Array.from({ length: spec.steps }, (_, i) => i + 1);
    perRank.push({ step: mean(ks.map((k) => spec.compute(r, k) + spec.comm(r, k))), comm: mean(ks.map((k) => spec.comm(r, k))) });
  }
  const summary = runSummary({
    algorithm: spec.algorithm,
    topology: spec.topology,
    nodes: spec.nodes,
    backend: 'cpu',
    seed: 0,
    steps: spec.steps,
    wallClockSeconds: 1.5 * spec.steps,
    meanStepSeconds: mean(perRank.map((p) => p.step)),
    meanCommSeconds: mean(perRank.map((p) => p.comm)),
    meanComputeSeconds: mean(perRank.map((p) => p.step - p.comm)),
    finalLoss: mean(Array.from({ length: spec.nodes }, (_, r) => spec.loss(r, spec.steps))),
    finalAccuracy: spec.evals[spec.evals.length - 1][1],
    finalLocalAccuracy: null,
    consensusDistance: 0.25,
    ranks: [],
  });
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return dir;
}

// psgd: slow steps (allreduce), accuracy 0.90 at the end; rank 1 is the slower rank.
const psgdSpec: FixtureSpec = {
  label: 'psgd', algorithm: 'psgd', topology: 'ring', nodes: 3, steps: 8,
  compute: (r, k) => 0.1 + 0.01 * r + 0.001 * k, comm: (r) => (r === 1 ? 0.2 : 0.15),
  loss: (r, k) => 2 / k + 0.01 * r, evals: [[4, 0.8], [8, 0.9]],
};
// dsgd: fast steps, reaches 0.90 at step 6, ends at 0.91.
const dsgdSpec: FixtureSpec = {
  label: 'dsgd:onepeer-exp', algorithm: 'dsgd', topology: 'onepeer-exp', nodes: 3, steps: 8,
  compute: (r, k) => 0.1 + 0.005 * ((r + k) % 3), comm: () => 0.05,
  loss: (r, k) => 2.2 / k + 0.02 * r, evals: [[2, 0.5], [4, 0.85], [6, 0.9], [8, 0.91]],
};
// pga: logs every 2 steps; never reaches 0.9.
const pgaSpec: FixtureSpec = {
  label: 'pga:onepeer-exp:4', algorithm: 'pga', topology: 'onepeer-exp', nodes: 3, steps: 8, logEvery: 2,
  compute: () => 0.1, comm: (r, k) => (k % 4 === 0 ? 0.3 : 0.05),
  loss: (r, k) => 2.5 / k, evals: [[4, 0.7], [8, 0.88]],
};

const dirs = [psgdSpec, dsgdSpec, pgaSpec].map(writeFixture);
const runs: RunData[] = [psgdSpec, dsgdSpec, pgaSpec].map((s, i) => readRunDir(dirs[i], s.label));
const summaries = dirs.map((d) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Record<string, number>);

/** The slowest rank's summed step times up to `step` (every step logged). */
function slowestElapsed(spec: FixtureSpec, step: number): number {
  let worst = 0;
  for (let r = 0; r < spec.nodes; r++) {
    let t = 0;
    for (let k = 1; k <= step; k++) t += spec.compute(r, k) + spec.comm(r, k);
    worst = Math.max(worst, t);
  }
  return worst;
}

describe('run directories', () => {
  it('decode step, eval and fit lines and skip everything else', () => {
    expect(runs[0].ranks.map((r) => r.rank)).toEqual([0, 1, 2]);
    expect(runs[0].ranks[1].steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(runs[0].ranks[1].steps[2].commSeconds).toBe(psgdSpec.comm(1, 3));
    expect(runs[2].ranks[0].steps.map((s) => s.step)).toEqual([2, 4, 6, 8]);
    expect(runs[1].ranks[2].evals.map((e) => e.averageAccuracy)).toEqual(dsgdSpec.evals.map(([, a]) => a));
    expect(runs[0].ranks[0].params).toBe(7850);
  });

  it('refuse a directory without summary.json, naming it', () => {
    const empty = join(root, 'unfinished');
    mkdirSync(empty, { recursive: true });
    expect(() => readRunDir(empty, 'x')).toThrow(expect.objectContaining({ code: 'E_RUN_MISSING' }));
    writeFileSync(join(empty, 'summary.json'), JSON.stringify({ ...runSummary(), steps: 'many' }));
    expect(() => readRunDir(empty, 'x')).toThrow(/steps is "many"/);
  });
});

describe('curves', () => {
  it('wall-clock is the slowest rank\'s summed step times', () => {
    const curve = stepCurve(runs[0]);
    for (const p of curve) expect(p.wallSeconds).toBeCloseTo(slowestElapsed(psgdSpec, p.step), 12);
    expect(curve[3].loss).toBeCloseTo(mean([0, 1, 2].map((r) => psgdSpec.loss(r, 4))), 12);
  });

  it('a sparse log: the logged steps carry their real elapsed time, the others are interpolated', () => {
    const e = rankElapsed(runs[2].ranks[0].steps, runs[2].ranks[0].evals);
    // steps 2, 4, 6, 8 logged; step k costs 0.1 + comm(k), comm 0.3 at steps 4 and 8, else 0.05
    expect(e.get(2)).toBeCloseTo(2 * 0.15, 12);
    expect(e.get(4)).toBeCloseTo(3 * 0.15 + 0.4, 12);
    expect(e.get(6)).toBeCloseTo(5 * 0.15 + 0.4, 12);
    const curve = stepCurve(runs[2]);
    expect(wallAt(curve, 3, 0)).toBeCloseTo(((e.get(2) as number) + (e.get(4) as number)) / 2, 12);
    expect(wallAt([], 5, 0.2)).toBeCloseTo(1, 12);
  });

  it('accuracy points sit at the wall-clock of their step', () => {
    const c = runCurves(runs[1]);
    expect(c.accuracy.map((p) => p.step)).toEqual([2, 4, 6, 8]);
    expect(c.accuracy[2].wallSeconds).toBeCloseTo(slowestElapsed(dsgdSpec, 6), 12);
  });

  it('thinning keeps at most the cap per configuration and averages the windows', () => {
    const points = Array.from({ length: 1000 }, (_, i) => ({ config: 'a', step: i + 1, wallSeconds: i, loss: i % 2, commSeconds: 1 }));
    const t = thin(points, 100);
    expect(t.length).toBeLessThanOrEqual(100);
    for (const p of t) expect(p.loss).toBeCloseTo(0.5, 12);
    expect(t[t.length - 1].step).toBe(1000);
  });
});

describe('buildComparison', () => {
  const cmp = buildComparison(runs);

  it('copies the summaries\' figures unchanged', () => {
    cmp.configs.forEach((c, i) => {
      expect(c.meanStepSeconds).toBe(summaries[i].meanStepSeconds);
      expect(c.meanCommSeconds).toBe(summaries[i].meanCommSeconds);
      expect(c.finalAccuracy).toBe(summaries[i].finalAccuracy);
      expect(c.finalLoss).toBe(summaries[i].finalLoss);
      expect(c.wallClockSeconds).toBe(summaries[i].wallClockSeconds);
    });
  });

  it('targets psgd\'s final accuracy and times each run to it', () => {
    expect(cmp.baseline).toBe('psgd');
    expect(cmp.targetSource).toBe('baseline-final');
    expect(cmp.targetAccuracy).toBe(summaries[0].finalAccuracy);
    const [psgd, dsgd, pga] = cmp.configs;
    expect(psgd.stepsToTarget).toBe(8);
    expect(psgd.timeToTargetSeconds).toBeCloseTo(slowestElapsed(psgdSpec, 8), 12);
    expect(dsgd.stepsToTarget).toBe(6);
    expect(dsgd.timeToTargetSeconds).toBeCloseTo(slowestElapsed(dsgdSpec, 6), 12);
    expect(pga.timeToTargetSeconds).toBeNull();
    expect(pga.speedupTimeToTarget).toBeNull();
  });

  it('speedups are baseline / configuration', () => {
    const [psgd, dsgd, pga] = cmp.configs;
    expect(psgd.speedupPerStep).toBe(1);
    expect(psgd.speedupTimeToTarget).toBe(1);
    // per step: the same clock as time to target, at the last step over the steps (every spec runs 8 steps)
    const perStep = [psgdSpec, dsgdSpec, pgaSpec].map((spec) => slowestElapsed(spec, 8) / 8);
    cmp.configs.forEach((c, i) => expect(c.wallSecondsPerStep).toBeCloseTo(perStep[i], 12));
    expect(dsgd.speedupPerStep).toBeCloseTo(perStep[0] / perStep[1], 12);
    expect(dsgd.speedupTimeToTarget).toBeCloseTo((psgd.timeToTargetSeconds as number) / (dsgd.timeToTargetSeconds as number), 12);
    expect(dsgd.speedupTimeToTarget).toBeGreaterThan(1);
    expect(pga.speedupPerStep).toBeCloseTo(perStep[0] / perStep[2], 12);
  });

  it('ratios vs psgd are configuration / baseline, the accuracy gap in points', () => {
    const [psgd, dsgd, pga] = cmp.configs;
    expect(psgd.commRatioVsPsgd).toBe(1);
    expect(dsgd.commRatioVsPsgd).toBeCloseTo(summaries[1].meanCommSeconds / summaries[0].meanCommSeconds, 12);
    expect(dsgd.stepRatioVsPsgd).toBeCloseTo(summaries[1].meanStepSeconds / summaries[0].meanStepSeconds, 12);
    expect(dsgd.timeToTargetRatioVsPsgd).toBeCloseTo(1 / (dsgd.speedupTimeToTarget as number), 12);
    expect(dsgd.accuracyGapVsPsgd).toBeCloseTo((0.91 - 0.9) * 100, 12);
    expect(pga.timeToTargetRatioVsPsgd).toBeNull();
    expect(pga.accuracyGapVsPsgd).toBeCloseTo((0.88 - 0.9) * 100, 12);
  });

  it('a tolerance lowers the baseline\'s final accuracy as the target', () => {
    const loose = buildComparison(runs, { targetTolerance: 0.02 });
    expect(loose.targetAccuracy).toBeCloseTo(0.88, 12);
    expect(loose.targetTolerance).toBe(0.02);
    // psgd 0.8 at 4 then 0.9 at 8; dsgd 0.85 at 4, 0.9 at 6; pga ends at 0.88
    expect(loose.configs.map((c) => c.stepsToTarget)).toEqual([8, 6, 8]);
    expect(loose.configs[2].timeToTargetRatioVsPsgd).not.toBeNull();
    expect(buildComparison(runs, { targetAccuracy: 0.85, targetTolerance: 0.02 }).targetAccuracy).toBe(0.85);
  });

  it('a given target overrides the baseline\'s; without psgd there is no baseline', () => {
    const given = buildComparison(runs, { targetAccuracy: 0.85 });
    expect(given.targetSource).toBe('given');
    expect(given.configs.map((c) => c.stepsToTarget)).toEqual([8, 4, 8]);
    const none = buildComparison(runs.slice(1));
    expect(none.baseline).toBeNull();
    expect(none.targetAccuracy).toBeNull();
    expect(none.configs.every((c) => c.speedupPerStep === null && c.timeToTargetSeconds === null)).toBe(true);
    expect(none.configs.every((c) => c.commRatioVsPsgd === null && c.accuracyGapVsPsgd === null)).toBe(true);
  });
});

const lineCharts = ['loss-wall', 'loss-step', 'accuracy-wall', 'accuracy-step', 'comm-step'];
const out = join(root, 'report');
mkdirSync(out, { recursive: true });
const written = writeComparison({ out, nodes: 3 }, runs);

/** Per chart id: how many drawn line paths carry each configuration. */
function seriesByChart(html: string): Map<string, Map<string, number>> {
  const result = new Map<string, Map<string, number>>();
  for (const fig of html.matchAll(/<figure[^>]*data-chart="([^"]+)"[^>]*>([\s\S]*?)<\/figure>/g)) {
    const counts = new Map<string, number>();
    for (const p of fig[2].matchAll(/<path([^>]*)aria-roledescription="line mark"([^>]*)>/g)) {
      const attrs = p[1] + p[2];
      const label = /configuration: ([^;"]+)/.exec(attrs)?.[1];
      const d = /\sd="([^"]*)"/.exec(attrs)?.[1] ?? '';
      if (label !== undefined && /^M[\d.-]+,[\d.-]+L/.test(d)) counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    result.set(fig[1], counts);
  }
  return result;
}

describe('report.html', () => {
  it('writes comparison.json with the same numbers and a Markdown table row per configuration', async () => {
    const { comparison } = await written;
    const json = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8'));
    expect(json.configs).toEqual(JSON.parse(JSON.stringify(comparison.configs)));
    const md = readFileSync(join(out, 'comparison.md'), 'utf8');
    for (const c of comparison.configs) expect(md).toContain(`| \`${c.label}\` | ${(c.meanStepSeconds * 1000).toFixed(2)} |`);
  });

  it('is self-contained: no script, stylesheet link or external URL', async () => {
    await written;
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
    const urls = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]);
    expect(urls.filter((u) => !/^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/.test(u))).toEqual([]);
  });

  it('draws one line per configuration in every line chart', async () => {
    await written;
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const charts = seriesByChart(html);
    expect([...charts.keys()].sort()).toEqual([...lineCharts, 'step-split'].sort());
    for (const id of lineCharts) {
      expect(Object.fromEntries(charts.get(id) ?? [])).toEqual({ psgd: 1, 'dsgd:onepeer-exp': 1, 'pga:onepeer-exp:4': 1 });
    }
  });

  it('leaves out the accuracy charts when no run evaluated the average model', () => {
    const charts = comparisonCharts({ comparison: buildComparison(runs), steps: runCurves(runs[0]).steps, accuracy: [] });
    expect(charts.map((c) => c.id)).not.toContain('accuracy-wall');
    expect(charts.map((c) => c.id)).toContain('loss-wall');
  });
});

const CHROMIUM = '/usr/bin/chromium';
describe.skipIf(!existsSync(CHROMIUM))('report.html in headless Chromium (skipped: /usr/bin/chromium is not installed)', () => {
  it('loads without errors and shows every configuration as a series in every line chart', async () => {
    await written;
    const profile = mkdtempSync(join(tmpdir(), 'dtrain-chromium-'));
    try {
      const r = spawnSync(
        CHROMIUM,
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${join(out, 'report.html')}`],
        { encoding: 'utf8', timeout: 45_000 },
      );
      expect(r.status).toBe(0);
      // Page errors show up as console messages; D-Bus complaints of a bare machine are not the page's.
      expect(r.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|Failed to load|ERR_/.test(l))).toEqual([]);
      const dom = r.stdout;
      expect((dom.match(/<svg\b/g) ?? []).length).toBe(lineCharts.length + 1);
      const charts = seriesByChart(dom);
      for (const id of lineCharts) {
        expect(Object.fromEntries(charts.get(id) ?? [])).toEqual({ psgd: 1, 'dsgd:onepeer-exp': 1, 'pga:onepeer-exp:4': 1 });
      }
      for (const label of ['psgd', 'dsgd:onepeer-exp', 'pga:onepeer-exp:4']) {
        const legend = dom.match(new RegExp(`<text[^>]*>${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</text>`, 'g')) ?? [];
        expect(legend.length).toBeGreaterThanOrEqual(lineCharts.length);
      }
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

describe('compare --rebuild', () => {
  it('reads back the recorded runs and rewrites the files, keeping the setup', async () => {
    const again = join(root, 'rebuild');
    mkdirSync(again, { recursive: true });
    const setup = { nodes: 3, launchFlags: ['--cluster', 'netns', '--rate', '1gbit'] };
    await writeComparison({ out: again, nodes: 3, setup }, runs);
    const rebuilt = await rebuildComparison(again, { targetAccuracy: 0.85 });
    expect(rebuilt.comparison).toEqual(buildComparison(runs, { targetAccuracy: 0.85 }));
    const json = JSON.parse(readFileSync(join(again, 'comparison.json'), 'utf8'));
    expect(json.setup).toEqual(setup);
    expect(json.configs.map((c: { stepsToTarget: number }) => c.stepsToTarget)).toEqual([8, 4, 8]);
    await expect(rebuildComparison(join(root, 'nothing-here'))).rejects.toMatchObject({ code: 'E_RUN_MISSING' });
  });
});
