/**
 * Which checkpoint a run continues from (fit's `resume`, DTRAIN_RESUME,
 * `--resume auto|never|must`), agreed by every rank (a collective):
 *
 *   never  every rank deletes its checkpoints and starts over;
 *   auto   every rank reads its own checkpoints, newest first, and tells the
 *          others which steps it holds intact; the run continues from the
 *          newest step all of them hold (a rank whose newest file is damaged
 *          makes all of them fall back to an older one), or starts over when
 *          there is none;
 *   must   as auto, but no common step stops every rank.
 *
 * A checkpoint of another run (algorithm, topology, nodes, seed or model
 * size) on any rank stops every rank with E_CHECKPOINT_MISMATCH, so that no
 * rank waits for peers that already gave up.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import type { ResumeMode } from '../env-checks.js';
import { checkpointDir, listCheckpoints, loadCheckpoint, type Checkpoint, type CheckpointMeta } from './checkpoint.js';
import type { Logger } from 'pino';
import type { Communicator } from '../comm/communicator.js';
import type { DistributedOptimizer } from './optimizer.js';
import type { BatchSource } from './sources.js';

/** Steps each rank reports to the others (newest first); the files beyond are older than any rank keeps. */
const REPORTED = 4;

/** What resuming needs of the session (fit.ts's FitHost has it). */
export interface ResumeHost {
  readonly rank: number;
  readonly out: string | undefined;
  readonly comm: Communicator;
  readonly logger: Logger;
}

interface Local {
  intact: Map<number, Checkpoint>;
  mismatch: CheckpointError | undefined;
}

function readLocal(host: ResumeHost, dir: string, meta: CheckpointMeta): Local {
  const intact = new Map<number, Checkpoint>();
  for (const step of listCheckpoints(dir).reverse().slice(0, REPORTED)) {
    try {
      intact.set(step, loadCheckpoint(dir, step, meta));
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      if (err.code === 'E_CHECKPOINT_MISMATCH') return { intact, mismatch: err };
      host.logger.warn({ kind: 'checkpoint-damaged', step, file: err.file ?? null }, `skipping the checkpoint of step ${step}: ${err.message}`);
    }
  }
  return { intact, mismatch: undefined };
}

/** Restore the agreed checkpoint into `opt`; returns its step, or null when the run starts over. */
export async function resumeRun(host: ResumeHost, opt: DistributedOptimizer, meta: CheckpointMeta, stream: BatchSource, mode: ResumeMode): Promise<number | null> {
  const out = host.out as string;
  const dir = checkpointDir(out, host.rank);
  if (mode === 'never') {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const local = readLocal(host, dir, meta);
  const steps = [...local.intact.keys()];
  const row = [local.mismatch === undefined ? 0 : 1, ...Array.from({ length: REPORTED }, (_, i) => steps[i] ?? -1)];
  const all = await host.comm.allgather(row, { iteration: 0 });
  if (local.mismatch !== undefined) throw local.mismatch;
  const other = all.findIndex((r) => r[0] === 1);
  if (other >= 0) {
    throw new CheckpointError('E_CHECKPOINT_MISMATCH', `rank ${other}'s checkpoints in ${out} are of another run (see its error); start over there with --resume never (DTRAIN_RESUME=never), or use another --out (DTRAIN_OUT)`);
  }
  const held = all.map((r) => new Set(Array.from(r.subarray(1)).filter((s) => s > 0)));
  const common = [...held[0]].filter((s) => held.every((h) => h.has(s)));
  const target = common.length === 0 ? 0 : Math.max(...common);
  if (target === 0) {
    if (mode === 'must') {
      const have = all.map((r, i) => `rank ${i}: ${Array.from(r.subarray(1)).filter((s) => s > 0).join(', ') || 'none'}`).join('; ');
      throw new CheckpointError('E_CHECKPOINT_MISSING', `resume is 'must' but no step has an intact checkpoint on every rank in ${out} (${have}); use --resume auto (DTRAIN_RESUME=auto) to start over when there is none`);
    }
    return null;
  }
  const ckpt = local.intact.get(target) as Checkpoint;
  const want = stream.position(target);
  if (ckpt.data.epoch !== want.epoch || ckpt.data.offset !== want.offset) {
    throw new CheckpointError('E_CHECKPOINT_MISMATCH', `checkpoint of step ${target} was taken at epoch ${ckpt.data.epoch} batch ${ckpt.data.offset}, this run's data puts it at epoch ${want.epoch} batch ${want.offset}; use the same dataset and batch size, or --resume never`);
  }
  // Files newer than the agreed step belong to a future this run will not have.
  for (const s of listCheckpoints(dir)) if (s > target) rmSync(join(dir, `step-${s}.ckpt`), { force: true });
  await opt.restore(ckpt.snapshot);
  if (ckpt.totals !== undefined) opt.totals.carry(ckpt.totals, target);
  else opt.totals.fromStep = target;
  const newest = Math.max(...steps, 0);
  const why = newest > target ? ` (this rank's newest, step ${newest}, is not held intact by every rank)` : '';
  host.logger.info({ kind: 'resume', step: target }, `resumed from the checkpoint of step ${target}${why}`);
  return target;
}
