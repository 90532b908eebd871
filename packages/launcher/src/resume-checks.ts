/**
 * `--resume` before anything starts: the checkpoints already in --out
 * (OUT/checkpoints/rank-<r>/step-<k>.ckpt, read by their headers alone)
 * must be of this run's configuration, or the workers would all stop with
 * E_CHECKPOINT_MISMATCH; `--resume must` needs some. A mismatch is a
 * UsageError (exit 2) with the two ways out: --resume never or another --out.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointDir, CheckpointError, listCheckpoints, readCheckpointHeader, type CheckpointMeta } from '@dtrain/runtime/contract';
import { UsageError } from './errors.js';

/** The newest checkpoint of one rank directory whose header reads, or why none did. */
export interface HeldCheckpoint {
  rank: number;
  step: number;
  meta: CheckpointMeta;
}

/** Each rank directory's newest readable checkpoint header (damaged files are the workers' business: they fall back). */
export function readHeldCheckpoints(out: string): HeldCheckpoint[] {
  const root = join(out, 'checkpoints');
  if (!existsSync(root)) return [];
  const held: HeldCheckpoint[] = [];
  for (const name of readdirSync(root)) {
    const m = /^rank-(\d+)$/.exec(name);
    if (m === null) continue;
    const rank = Number(m[1]);
    const dir = checkpointDir(out, rank);
    for (const step of listCheckpoints(dir).reverse()) {
      try {
        held.push({ rank, ...readCheckpointHeader(join(dir, `step-${step}.ckpt`)) });
        break;
      } catch (err) {
        if (!(err instanceof CheckpointError)) throw err;
      }
    }
  }
  return held.sort((a, b) => a.rank - b.rank);
}

export interface ResumeFacts {
  /** --resume as given (undefined: the workers take auto unless the script says otherwise). */
  mode: string | undefined;
  out: string;
  nodes: number;
  algorithm: string;
  /** The schedule's name (what a checkpoint records). */
  topology: string;
  seed: number;
}

const describe = (m: Pick<CheckpointMeta, 'algorithm' | 'topology' | 'nodes' | 'seed'>): string =>
  `--algorithm ${m.algorithm} --topology ${m.topology} --nodes ${m.nodes} --seed ${m.seed}`;

/** Throws a UsageError when the held checkpoints cannot be resumed by this job; returns a line to print when they will be. */
export function checkResume(facts: ResumeFacts, held: readonly HeldCheckpoint[]): string | undefined {
  if (facts.mode === 'never') {
    return held.length > 0 ? `--resume never: deleting the checkpoints in ${join(facts.out, 'checkpoints')} (newest step ${Math.max(...held.map((h) => h.step))}) and starting over` : undefined;
  }
  const mine = { algorithm: facts.algorithm, topology: facts.topology, nodes: facts.nodes, seed: facts.seed };
  const other = held.find((h) => (Object.keys(mine) as (keyof typeof mine)[]).some((k) => h.meta[k] !== mine[k]));
  if (other !== undefined) {
    throw new UsageError(
      `--out ${facts.out} holds checkpoints of another run (${describe(other.meta)}, step ${other.step} on rank ${other.rank}); this run is ${describe(mine)}. ` +
        'Either add --resume never to delete them and start over there, or choose another --out directory',
    );
  }
  const steps = held.map((h) => h.step);
  if (held.length === 0 || held.length < facts.nodes) {
    if (facts.mode === 'must') {
      throw new UsageError(
        `--resume must: --out ${facts.out} has ${held.length === 0 ? 'no checkpoints' : `checkpoints for ${held.length} of ${facts.nodes} ranks only`}; drop --resume (or use --resume auto) to start over, or name the --out of the run to continue`,
      );
    }
    return held.length === 0 ? undefined : `${facts.out} has checkpoints for ${held.length} of ${facts.nodes} ranks only: starting over (--resume never deletes them)`;
  }
  return `resuming from the checkpoints in ${join(facts.out, 'checkpoints')} (newest step every rank holds: ${Math.min(...steps)}; --resume never starts over)`;
}
