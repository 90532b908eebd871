/**
 * Ring allreduce (reduce-scatter then allgather), streamed in chunks.
 *
 * The vector is cut into n near-equal segments (some empty when it is
 * shorter than n). In reduce-scatter step t (0..n-2) rank r sends segment
 * r - t to its right neighbour and adds segment r - t - 1 from its left
 * neighbour into its own copy; afterwards rank r holds the full sum of
 * segment r + 1. In allgather step t it sends segment r + 1 - t and
 * receives segment r - t straight into place. Every segment is further
 * cut into chunks that move independently ("lanes"), so a large vector
 * streams through the ring instead of moving one segment at a time.
 *
 * Cost (alpha-beta): 2(n-1) alpha + 2(n-1)/n m beta. Every rank ends with
 * identical bits: each segment is summed by one rank and then copied.
 *
 * With `members` (ranks in ring order, this rank among them) the ring runs
 * over that group only: a host's ranks, or the hosts' leaders.
 */
import { addInPlace, addScaledInPlace } from './combine.js';
import { landIn, recvExact, type OpContext } from './context.js';
import { chunkCount, chunkOf, runLanes, splitEven, type Range } from './lanes.js';
import type { OpSlot } from './clock.js';

export type ReduceOp = 'sum' | 'mean';

const mod = (a: number, n: number): number => ((a % n) + n) % n;

export async function ringAllreduce(
  ctx: OpContext,
  slot: OpSlot,
  x: Float32Array,
  op: ReduceOp,
  members?: readonly number[],
): Promise<void> {
  const { transport, chunkFloats } = ctx;
  const n = members?.length ?? ctx.size;
  const rank = members === undefined ? ctx.rank : members.indexOf(ctx.rank);
  if (n === 1 || x.length === 0) return;
  const member = (pos: number): number => (members === undefined ? pos : members[pos]);
  const right = member(mod(rank + 1, n));
  const left = member(mod(rank - 1, n));
  const segments: Range[] = Array.from({ length: n }, (_, s) => splitEven(x.length, n, s));
  const lanes = chunkCount(Math.ceil(x.length / n), chunkFloats);
  const steps = n - 1;

  const lane = async (c: number, s: number): Promise<void> => {
    const part = (seg: number): Float32Array => {
      const r = chunkOf(segments[seg], chunkFloats, c);
      return x.subarray(r.start, r.end);
    };
    const move = async (step: number, out: Float32Array, into: Float32Array): Promise<Float32Array | undefined> => {
      const tag = slot.base + step * lanes + c;
      const send = out.length > 0 ? transport.send(right, slot.iter, tag, out) : Promise.resolve();
      const recv = into.length > 0 ? recvExact(ctx, left, slot.iter, tag, into, 'allreduce') : Promise.resolve(undefined);
      const [, got] = await Promise.all([send, recv]);
      return got;
    };
    // Reduce-scatter.
    for (let t = 0; t < steps; t++) {
      const mine = part(mod(rank - t - 1, n));
      const got = await move(t, part(mod(rank - t, n)), ctx.pool.get(s, 0, mine.length));
      if (got === undefined) continue;
      // The last step completes segment rank + 1: a mean scales it in the same pass.
      if (op === 'mean' && t === steps - 1) addScaledInPlace(mine, got, 1 / n);
      else addInPlace(mine, got);
      transport.release?.(got);
    }
    // Allgather: receive straight into x.
    for (let t = 0; t < steps; t++) {
      const dest = part(mod(rank - t, n));
      const got = await move(steps + t, part(mod(rank + 1 - t, n)), dest);
      if (got === undefined) continue;
      landIn(dest, got);
      transport.release?.(got);
    }
  };

  await runLanes(lanes, ctx.lanes, lane);
}
