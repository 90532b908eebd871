// Real training jobs (ZeroMQ, tfjs cpu backend) started by the compiled CLI.
// Build first: npx tsc -b packages/launcher.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecordLine, type StepLine } from '@dtrain/runtime/contract';
import { ProgressTracker, parseProgress } from '../src/progress.js';
import {
  BIN,
  LR_EXAMPLE,
  TRAIN_FIXTURE,
  cleanup,
  fixturePids,
  freePort,
  rankLog,
  records,
  startCli,
  startWorkers,
  survivors,
  tempDir,
  torchrunEnv,
  until,
} from './job-helpers.js';

afterEach(cleanup);

interface Summary {
  algorithm: string;
  topology: string;
  nodes: number;
  steps: number;
  finalLoss: number;
  consensusDistance: number;
  localAccuracyRank0: number;
  ranks: { rank: number; steps: number; finalLoss: number }[];
}

const summary = (out: string): Summary => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;

/** What must not depend on how the job was started (timings may). */
const result = (s: Summary): unknown => ({
  algorithm: s.algorithm,
  topology: s.topology,
  nodes: s.nodes,
  steps: s.steps,
  finalLoss: s.finalLoss,
  consensusDistance: s.consensusDistance,
  localAccuracyRank0: s.localAccuracyRank0,
  ranks: s.ranks.map((r) => [r.rank, r.steps, r.finalLoss]),
});

describe('a 4-process job', () => {
  it('gives bit-identical results under `dtrain launch` and under 4 `dtrain worker` with torchrun variables', async () => {
    const run = { STEPS: '30', HETEROGENEITY: '1' };
    const launched = join(tempDir(), 'launch');
    const port = await freePort();
    const l = await startCli(
      ['launch', '--nodes', '4', '--gpus', 'none', '--algorithm', 'dsgd', '--topology', 'onepeer-exp', '--seed', '5', '--port', String(port), '--out', launched, LR_EXAMPLE],
      run,
    ).exited;
    expect(l.code, l.stderr).toBe(0);

    const byHand = tempDir();
    const workers = await startWorkers(4, LR_EXAMPLE, () => ({
      ...run,
      DTRAIN_ALGORITHM: 'dsgd',
      DTRAIN_TOPOLOGY: 'onepeer-exp',
      DTRAIN_SEED: '5',
      DTRAIN_OUT: byHand,
    }));
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(exits.map((e) => e.code), exits.map((e) => e.stderr).join('\n')).toEqual([0, 0, 0, 0]);

    const a = summary(launched);
    const b = summary(byHand);
    expect(a).toMatchObject({ algorithm: 'dsgd', topology: 'onepeer-exp', nodes: 4, steps: 30 });
    // Heterogeneous shards: the ranks' losses differ, so equal per-rank figures are a real match.
    expect(new Set(a.ranks.map((r) => r.finalLoss)).size).toBe(4);
    expect(result(b)).toEqual(result(a));

    // Both ways checked the schedule and every link before the first step.
    for (let r = 0; r < 4; r++) {
      const fromLaunch = rankLog(launched, r).find((x) => x.kind === 'init');
      expect(fromLaunch).toMatchObject({ checkedIterations: 64, checkedPeers: 3 });
      const byWorker = exits[r].stdout.split('\n').filter((x) => x.includes('"kind":"init"'));
      expect(byWorker.map((x) => JSON.parse(x) as Record<string, unknown>)[0]).toMatchObject({ rank: r, checkedPeers: 3 });
    }

    // Every line the launched workers wrote decodes through the contract, and the
    // step records carry what the progress bar needs for a total and an ETA.
    for (let r = 0; r < 4; r++) {
      const lines = readFileSync(join(launched, `rank-${r}.ndjson`), 'utf8').split('\n').filter((l) => l !== '');
      const decoded = lines.map((l, i) => {
        expect(() => JSON.parse(l) as unknown, `rank ${r} line ${i + 1}: ${l}`).not.toThrow();
        return decodeRecordLine(l, `rank-${r}.ndjson:${i + 1}`);
      });
      const steps = decoded.filter((d): d is StepLine => d?.kind === 'step');
      expect(steps.map((s) => s.step)).toEqual([10, 20, 30]);
      for (const s of steps) {
        expect(s.totalSteps).toBe(30);
        expect(s.samplesPerSec).toBeGreaterThan(0);
        expect(s.elapsedSeconds).toBeGreaterThan(0);
      }
      expect(steps[1].elapsedSeconds).toBeGreaterThan(steps[0].elapsedSeconds);
      // the example evaluates STEPS/10 apart (at least 10 points on the accuracy curve), the last at the end
      expect(decoded.filter((d) => d?.kind === 'eval').map((d) => d?.step)).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
      expect(decoded.find((d) => d?.kind === 'fit')).toBeUndefined();
      const tracker = new ProgressTracker();
      for (const l of lines) {
        const p = parseProgress(JSON.parse(l) as unknown);
        if (p !== null) tracker.update(r, p, 0);
      }
      expect(tracker.snapshot(0)).toMatchObject({ step: 30, totalSteps: 30, etaS: 0 });
    }
  });
});

/**
 * How long orphaned ranks get to notice and leave: a parent poll (0.5 s), the bounded transport
 * close (1 s) and ZeroMQ's linger at exit (up to 1 s), with room for a loaded machine (once, in
 * a full CI run, 5 s was not enough for one of three ranks).
 */
const ORPHAN_EXIT_MS = 15_000;

describe('orphan protection', () => {
  it('workers exit on their own when the launcher is SIGKILLed mid-job', async () => {
    const out = join(tempDir(), 'run');
    const port = await freePort();
    const launcher = startCli(
      ['launch', '--nodes', '3', '--gpus', 'none', '--algorithm', 'psgd', '--port', String(port), '--out', out, TRAIN_FIXTURE],
      { STEPS: '100000', FIXTURE_STEP_MS: '20' },
    );
    // Mid-job: every rank has started training.
    await until('every rank to take a step', () => [0, 1, 2].every((r) => rankLog(out, r).some((x) => x.kind === 'step')));
    const pids = fixturePids(out);
    expect(pids).toHaveLength(3);
    launcher.child.kill('SIGKILL');
    expect((await launcher.exited).signal).toBe('SIGKILL');
    expect(await survivors(pids, ORPHAN_EXIT_MS)).toEqual([]);
  });

  it('`dtrain worker --exit-with-parent`: ranks exit when the engine that started them is SIGKILLed', async () => {
    const out = tempDir();
    const port = await freePort();
    const vars = (r: number): string =>
      Object.entries({ ...torchrunEnv(r, 2, port), DTRAIN_OUT: out, DTRAIN_ALGORITHM: 'psgd', STEPS: '100000', FIXTURE_STEP_MS: '20' })
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
    // A stand-in for torchrun's agent: a shell that starts both ranks and waits.
    const line = [0, 1].map((r) => `env ${vars(r)} "${process.execPath}" "${BIN}" worker --exit-with-parent "${TRAIN_FIXTURE}" > "${out}/out-${r}.log" 2>&1 &`).join(' ');
    const agent = spawn('/bin/sh', ['-c', `${line} wait`], { stdio: 'ignore' });
    try {
      const stepped = (r: number): boolean => {
        try {
          return records(readFileSync(join(out, `out-${r}.log`), 'utf8')).some((x) => x.kind === 'step');
        } catch {
          return false;
        }
      };
      await until('both ranks to take a step', () => stepped(0) && stepped(1));
      const pids = fixturePids(out);
      expect(pids).toHaveLength(2);
      agent.kill('SIGKILL');
      expect(await survivors(pids, ORPHAN_EXIT_MS)).toEqual([]);
    } finally {
      agent.kill('SIGKILL');
    }
  });
});
