/**
 * summary.json (its type: contract/summary.ts): one record for the run,
 * written by rank 0 into the output directory. Per-rank figures are
 * gathered from every rank (allgather) and kept in `ranks`.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Communicator } from '../comm/communicator.js';
import type { RunSummary, SummaryBase } from '../contract/summary.js';
import { DROP_REASONS, type DropReason, type TransportStats } from '../transport/types.js';
import type { DistributedOptimizer } from './optimizer.js';

export type { RankSummary, RunSummary, SummaryBase } from '../contract/summary.js';

/** Where the drop counts start in each rank's gathered row (after the resent count at 8). */
const DROPS_AT = 9;

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function mean(values: number[]): number {
  const ok = values.filter(Number.isFinite);
  return ok.length === 0 ? Number.NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/** Gather every rank's figures (collective) and build the summary; every rank gets it. */
export async function gatherSummary(
  comm: Communicator,
  opt: DistributedOptimizer,
  base: SummaryBase,
  end: { localAccuracy: number | null; averageAccuracy: number | null; consensusDistance: number },
  transport: Pick<TransportStats, 'dropped' | 'framesResent'>,
  extra: Record<string, unknown> = {},
  /** Job rank of each communicator rank (an elastic membership); default the identity. */
  members?: readonly number[],
): Promise<RunSummary> {
  const t = opt.totals;
  const wall = opt.wallSeconds();
  const mine = [opt.iteration, wall, t.mean(t.seconds), t.mean(t.commSeconds), t.mean(t.computeSeconds), t.bytesSent, t.recentLoss(), end.localAccuracy ?? Number.NaN];
  // Counts gathered before this summary's own frames: the allgather's drops (if any) show in the logs.
  mine.push(transport.framesResent, ...DROP_REASONS.map((r) => transport.dropped[r]));
  const all = await comm.allgather(mine, { iteration: opt.iteration });
  const col = (i: number): number[] => all.map((r) => r[i]);
  const drops = (r: ArrayLike<number>): Record<DropReason, number> =>
    Object.fromEntries(DROP_REASONS.map((reason, i) => [reason, r[DROPS_AT + i]])) as Record<DropReason, number>;
  // A resumed run: the earlier segments (from the checkpoint) and this one, whose slowest rank sets its time.
  const segments = t.segments(opt.iteration, Math.max(...col(1)));
  return {
    ...base,
    nodes: comm.size,
    steps: opt.iteration,
    wallClockSeconds: segments.reduce((a, s) => a + s.wallClockSeconds, 0),
    segments,
    meanStepSeconds: mean(col(2)),
    meanCommSeconds: mean(col(3)),
    meanComputeSeconds: mean(col(4)),
    finalLoss: orNull(mean(col(6))),
    finalAccuracy: end.averageAccuracy,
    finalLocalAccuracy: orNull(mean(col(7))),
    consensusDistance: end.consensusDistance,
    ...extra,
    dropped: Object.fromEntries(DROP_REASONS.map((reason, i) => [reason, col(DROPS_AT + i).reduce((a, b) => a + b, 0)])) as Record<DropReason, number>,
    ranks: all.map((r, i) => ({
      rank: members?.[i] ?? i,
      steps: r[0],
      meanStepSeconds: r[2],
      meanCommSeconds: r[3],
      bytesSent: r[5],
      localAccuracy: orNull(r[7]),
      finalLoss: orNull(r[6]),
      dropped: drops(r),
      framesResent: r[8],
    })),
  };
}

/** Write OUT/summary.json atomically; returns its path. */
export function writeSummary(out: string, summary: RunSummary): string {
  mkdirSync(out, { recursive: true });
  const file = join(out, 'summary.json');
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}
