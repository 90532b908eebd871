// The comparison's time comes from the ranks' own clocks: the step records'
// elapsedSeconds less the evaluations (eval records' seconds). On records:
// a sparse log whose logged steps are unlike the others, a resumed log,
// ranks without timed evaluations; and the property the comparison owes its
// reader: where two configurations reach the target at the same evaluation,
// "time to target" and "per step" speedups agree. Then over real runs of
// the mnist example (2 ranks, ZeroMQ, TensorFlow.js), through `dtrain compare`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEval, type ComparisonFile } from '@dtrain/runtime/contract';
import { runSummary, stepLine } from '../../../test-utils/index.js';
import { buildComparison } from '../src/compare/build.js';
import { rankElapsed, runCurves } from '../src/compare/curves.js';
import { readRunDir, type RankTrace, type RunData } from '../src/compare/run-data.js';
import { comparisonCharts } from '../src/report/charts.js';

const BIN = fileURLToPath(new URL('../bin/dtrain.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'dtrain-clock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A deterministic jitter in [-1, 1) from (seed, i). */
const jitter = (seed: number, i: number): number => ((Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453) % 1 + 1) % 1 * 2 - 1;

interface Sim {
  label: string;
  algorithm: string;
  nodes: number;
  steps: number;
  logEvery: number;
  evalEvery: number;
  /** Seconds of an ordinary step of rank r. */
  step: (r: number) => number;
  /** Accuracy after k steps. */
  accuracy: (k: number) => number;
}

const EVAL_SECONDS = 0.4;
const BETWEEN_STEPS = 0.0005;

/** Records as a rank writes them: every logged step 3x as slow as the others (what logging costs), an evaluation pause every evalEvery steps. */
function simulate(sim: Sim): RunData {
  const ranks: RankTrace[] = [];
  const means: number[] = [];
  for (let r = 0; r < sim.nodes; r++) {
    const trace: RankTrace = { rank: r, steps: [], evals: [], params: 100 };
    let elapsed = 0;
    let inSteps = 0;
    for (let k = 1; k <= sim.steps; k++) {
      const logged = k % sim.logEvery === 0;
      const seconds = sim.step(r) * (1 + 0.3 * jitter(r + 1, k)) * (logged ? 3 : 1);
      elapsed += seconds + (k > 1 ? BETWEEN_STEPS : 0);
      inSteps += seconds;
      if (logged) trace.steps.push(stepLine({ step: k, computeSeconds: seconds / 2, commSeconds: seconds / 2, elapsedSeconds: elapsed }));
      if (k % sim.evalEvery === 0) {
        trace.evals.push(encodeEval({ step: k, localAccuracy: null, averageAccuracy: sim.accuracy(k), consensusDistance: 0, seconds: EVAL_SECONDS }));
        elapsed += EVAL_SECONDS;
      }
    }
    ranks.push(trace);
    means.push(inSteps / sim.steps);
  }
  const meanStepSeconds = means.reduce((a, b) => a + b, 0) / means.length;
  const summary = runSummary({ algorithm: sim.algorithm, nodes: sim.nodes, steps: sim.steps, meanStepSeconds, finalAccuracy: sim.accuracy(sim.steps) });
  return { label: sim.label, dir: root, summary, ranks };
}

const accuracy = (k: number): number => Math.min(0.95, 0.5 + k / 1000);
const psgd = simulate({ label: 'psgd', algorithm: 'psgd', nodes: 3, steps: 400, logEvery: 25, evalEvery: 40, step: (r) => 0.03 + 0.002 * r, accuracy });
const dsgd = simulate({ label: 'dsgd:ring', algorithm: 'dsgd', nodes: 3, steps: 400, logEvery: 25, evalEvery: 40, step: (r) => 0.02 + 0.001 * r, accuracy });

describe('the clock of a rank', () => {
  it('is its elapsed time at each logged step less the evaluations before it, however unlike the logged steps are', () => {
    const r = psgd.ranks[2];
    const clock = rankElapsed(r.steps, r.evals);
    for (const s of r.steps) {
      const paused = r.evals.filter((e) => e.step < s.step).length * EVAL_SECONDS;
      expect(clock.get(s.step)).toBeCloseTo(s.elapsedSeconds - paused, 12);
    }
    // the logged steps cost 3x the others: 25 x a logged step's time would overstate the clock
    const at100 = clock.get(100) as number;
    const sampled = r.steps.filter((s) => s.step <= 100).reduce((a, s) => a + 25 * (s.computeSeconds + s.commSeconds), 0);
    expect(sampled / at100).toBeGreaterThan(2);
  });

  it('goes on across a resume: the second process\'s elapsed time starts again from 0', () => {
    const first = [10, 20, 30].map((k) => stepLine({ step: k, elapsedSeconds: 0.1 * k }));
    const second = [40, 50].map((k) => stepLine({ step: k, elapsedSeconds: 0.1 * (k - 30) }));
    const clock = rankElapsed([...first, ...second], [encodeEval({ step: 20, localAccuracy: null, averageAccuracy: 0.5, consensusDistance: 0, seconds: 0.5 }), encodeEval({ step: 40, localAccuracy: null, averageAccuracy: 0.6, consensusDistance: 0, seconds: 0.25 })]);
    expect([...clock.entries()].map(([k, t]) => [k, Number(t.toFixed(9))])).toEqual([[10, 1], [20, 2], [30, 2.5], [40, 3.5], [50, 4.25]]);
  });

  it('leaves out the lowest timing rank\'s evaluations on ranks whose eval lines do not say how long they took', () => {
    const run: RunData = { ...psgd, ranks: psgd.ranks.map((r) => (r.rank === 0 ? r : { ...r, evals: r.evals.map(({ seconds: _s, ...e }) => e) })) };
    const slowest = (d: RunData, k: number): number => Math.max(...d.ranks.map((r, i) => rankElapsed(r.steps, psgd.ranks[i].evals).get(k) as number));
    const curve = runCurves(run).steps;
    expect(curve.find((p) => p.step === 300)?.wallSeconds).toBeCloseTo(slowest(run, 300), 12);
  });
});

describe('speedups read one clock', () => {
  it('time to target and per step agree within 2% at every evaluation both reach together from step 80 on', () => {
    let checked = 0;
    for (let k = 80; k <= 400; k += 40) {
      const cmp = buildComparison([psgd, dsgd], { targetAccuracy: accuracy(k) - 1e-9 });
      const [base, other] = cmp.configs;
      expect(base.stepsToTarget).toBe(k);
      expect(other.stepsToTarget).toBe(k);
      const ttt = other.speedupTimeToTarget as number;
      const perStep = other.speedupPerStep as number;
      expect(Math.abs(ttt / perStep - 1), `target at step ${k}: ${ttt} vs ${perStep}`).toBeLessThan(0.02);
      checked++;
    }
    expect(checked).toBe(9);
  });
});

function dtrain(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('over real runs of the mnist example (2 ranks)', () => {
  it('a 120-step comparison: at least 10 accuracy points a run, and where both reach the target at the same evaluation the speedups agree', async () => {
    const out = join(root, 'mnist');
    const r = await dtrain(['compare', '--nodes', '2', '--example', 'mnist', '--configs', 'psgd,dsgd:ring', '--steps', '120', '--backend', 'wasm', '--out', out], { EVAL_SAMPLES: '500' });
    expect(r.code, r.stderr).toBe(0);
    const file = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as ComparisonFile;
    const runs = file.runs.map((run) => readRunDir(run.dir, run.label));
    const curves = runs.map(runCurves);
    for (const c of curves) expect(c.accuracy.length).toBeGreaterThanOrEqual(10);
    const spec = comparisonCharts({ comparison: file, steps: curves.flatMap((c) => c.steps), accuracy: curves.flatMap((c) => c.accuracy) });
    const values = (spec.find((c) => c.id === 'accuracy-step')?.spec as { data: { values: { configuration: string }[] } }).data.values;
    for (const label of ['psgd', 'dsgd:ring']) expect(values.filter((v) => v.configuration === label).length).toBeGreaterThanOrEqual(10);
    // every evaluation says how long training paused for it
    for (const run of runs) for (const e of run.ranks[0].evals) expect(e.seconds).toBeGreaterThan(0);
    // Each configuration's clock: the wall-clock at its last step is its real elapsed time less its evaluations.
    for (const run of runs) {
      const last = run.ranks.map((rank) => rankElapsed(rank.steps, rank.evals).get(120) as number);
      const cmp = file.configs.find((c) => c.label === run.label);
      expect(cmp?.wallSecondsPerStep).toBeCloseTo(Math.max(...last) / 120, 9);
    }
    // Time to target is that clock at the evaluation, for every target the runs' evaluations give.
    for (const e of runs[0].ranks[0].evals) {
      const cmp = buildComparison(runs, { targetAccuracy: e.averageAccuracy as number });
      for (const [i, c] of cmp.configs.entries()) {
        if (c.stepsToTarget === null) continue;
        const at = curves[i].accuracy.find((p) => p.step === c.stepsToTarget);
        expect(c.timeToTargetSeconds).toBe(at?.wallSeconds);
        // where both reach it at the last step, the two speedups are one ratio of the same clock
        if (c.stepsToTarget === 120 && cmp.configs[0].stepsToTarget === 120) {
          expect(Math.abs((c.speedupTimeToTarget as number) / (c.speedupPerStep as number) - 1)).toBeLessThan(0.03);
        }
      }
    }
  }, 120_000);
});
