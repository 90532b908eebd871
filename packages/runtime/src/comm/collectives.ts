/**
 * Small collectives: broadcast (a pipelined chain from the root), a
 * dissemination barrier (ceil(log2 n) rounds of empty frames) and an
 * allgather of a few float64 numbers per rank (every rank sends its own
 * numbers to every other rank; the numbers travel bit-exactly).
 */
import { CommError } from '../errors.js';
import { decodeF64, encodeF64 } from './combine.js';
import { landIn, recvExact, type OpContext } from './context.js';
import { chunkCount, runLanes } from './lanes.js';
import type { OpSlot } from './clock.js';

const EMPTY = new Float32Array(0);

export function checkRoot(ctx: OpContext, root: number): void {
  if (!Number.isInteger(root) || root < 0 || root >= ctx.size) {
    throw new CommError('E_COMM_ARGUMENT', `broadcast root must be a rank in [0, ${ctx.size}); got ${String(root)}`);
  }
}

/**
 * Copy the root's x into every rank's x (same length everywhere), streamed
 * down the chain root, root+1, ...; with `members` (containing this rank and
 * the root) only over that group, in its order.
 */
export async function broadcast(ctx: OpContext, slot: OpSlot, x: Float32Array, root: number, members?: readonly number[]): Promise<void> {
  const { transport, chunkFloats } = ctx;
  const n = members?.length ?? ctx.size;
  if (n === 1) return;
  const index = (r: number): number => (members === undefined ? r : members.indexOf(r));
  const member = (i: number): number => (members === undefined ? i : members[i]);
  const me = index(ctx.rank);
  const pos = (me - index(root) + n) % n;
  const prev = member((me - 1 + n) % n);
  const next = member((me + 1) % n);
  const lanes = Math.max(1, chunkCount(x.length, chunkFloats));
  await runLanes(lanes, ctx.lanes, async (c) => {
    const view = x.subarray(c * chunkFloats, Math.min(x.length, (c + 1) * chunkFloats));
    const tag = slot.base + c;
    if (pos > 0) landIn(view, await recvExact(ctx, prev, slot.iter, tag, view, 'broadcast'));
    if (pos < n - 1) await transport.send(next, slot.iter, tag, view);
  });
}

/** Returns once every rank has entered the barrier. */
export async function barrier(ctx: OpContext, slot: OpSlot): Promise<void> {
  const { transport, rank, size: n } = ctx;
  for (let round = 0, hop = 1; hop < n; round++, hop *= 2) {
    const tag = slot.base + round;
    await Promise.all([
      transport.send((rank + hop) % n, slot.iter, tag, EMPTY),
      recvExact(ctx, (rank - hop + n) % n, slot.iter, tag, EMPTY, 'barrier'),
    ]);
  }
}

/** Every rank's `values` (the same count on every rank), indexed by rank. */
export async function allgather(ctx: OpContext, slot: OpSlot, values: ArrayLike<number>): Promise<Float64Array[]> {
  const { transport, rank, size: n } = ctx;
  const body = encodeF64(values);
  const out: Float64Array[] = new Array<Float64Array>(n);
  out[rank] = Float64Array.from(values);
  const peers = Array.from({ length: n }, (_, p) => p).filter((p) => p !== rank);
  const sends = peers.map((p) => transport.send(p, slot.iter, slot.base, body));
  const recvs = peers.map(async (p) => {
    out[p] = decodeF64(await recvExact(ctx, p, slot.iter, slot.base, new Float32Array(body.length), 'allgather'));
  });
  await Promise.all([Promise.all(sends), Promise.all(recvs)]);
  return out;
}
