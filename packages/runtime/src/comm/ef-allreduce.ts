/**
 * Compressed ring allreduce with error feedback: the ring of allreduce.ts,
 * each chunk sent as Q(v + e) instead of v, where e is what Q lost of that
 * position the last time this rank sent it, and e <- (v + e) - Q(v + e).
 *
 * Which segment a rank sends at each reduce-scatter step is the same every
 * call, so one residual vector per rank, indexed by position, holds every
 * hop's error; the positions of the segment the rank completes (rank + 1)
 * hold the error of its final quantization, done once by that owner and
 * forwarded unchanged by the allgather (re-encoding a decoded chunk gives
 * its bits back, codec.ts), so every rank still ends with identical bits.
 *
 * The bound (docs/compression.md): each call's error telescopes, so over K
 * calls of the mean, per element,
 *   |sum_k out(k) - sum_k mean(k)| <= (1/n) sum_{hops} |e_hop| + |e_owner|,
 * the residuals left after the last call; with int8 each |e| is below
 * m/127, m the largest |v + e| in its block of 256. It does not grow with K,
 * while without feedback a biased rounding adds up K times.
 */
import { decodeInto, encode, type Codec } from '../transport/codec.js';
import { addInPlace } from './combine.js';
import { landIn, recvExact, type OpContext } from './context.js';
import { chunkCount, chunkOf, runLanes, splitEven, type Range } from './lanes.js';
import type { OpSlot } from './clock.js';

export interface FeedbackOptions {
  codec: Codec;
  /** This rank's residual (as long as x, zeros at first); undefined: no error feedback. */
  residual: Float32Array | undefined;
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;
const SCRATCH_INDEX = 60_001;

/** x <- the mean of every rank's x, compressed; identical bits on every rank. */
export async function compressedAllreduceMean(ctx: OpContext, slot: OpSlot, x: Float32Array, options: FeedbackOptions): Promise<void> {
  const { transport, rank, size: n, chunkFloats } = ctx;
  if (n === 1 || x.length === 0) return;
  const { codec, residual: e } = options;
  const right = mod(rank + 1, n);
  const left = mod(rank - 1, n);
  const segments: Range[] = Array.from({ length: n }, (_, s) => splitEven(x.length, n, s));
  const lanes = chunkCount(Math.ceil(x.length / n), chunkFloats);
  const steps = n - 1;

  const lane = async (c: number, s: number): Promise<void> => {
    const range = (seg: number): Range => chunkOf(segments[seg], chunkFloats, c);
    /** Q(v + e) of x's range, e updated; x's range set to what was sent when `own`. */
    const compress = (r: Range, own: boolean) => {
      const v = ctx.pool.get(s, SCRATCH_INDEX, r.end - r.start);
      const src = x.subarray(r.start, r.end);
      const err = e?.subarray(r.start, r.end);
      for (let i = 0; i < v.length; i++) v[i] = src[i] + (err === undefined ? 0 : err[i]);
      const packed = encode(v, codec);
      if (err !== undefined) {
        err.set(v);
        decodeInto(packed, v);
        for (let i = 0; i < v.length; i++) err[i] -= v[i];
      } else decodeInto(packed, v);
      if (own) src.set(v);
      return packed;
    };
    const move = async (step: number, out: Range | undefined, into: Float32Array) => {
      const tag = slot.base + step * lanes + c;
      const send = out !== undefined && out.end > out.start ? transport.send(right, slot.iter, tag, compress(out, false)) : Promise.resolve();
      const recv = into.length > 0 ? recvExact(ctx, left, slot.iter, tag, into, 'compressed allreduce') : Promise.resolve(undefined);
      const [, got] = await Promise.all([send, recv]);
      return got;
    };
    // Reduce-scatter: partial sums travel compressed, each hop feeding back its own error.
    for (let t = 0; t < steps; t++) {
      const mineR = range(mod(rank - t - 1, n));
      const mine = x.subarray(mineR.start, mineR.end);
      const got = await move(t, range(mod(rank - t, n)), ctx.pool.get(s, 0, mine.length));
      if (got !== undefined) addInPlace(mine, got);
    }
    // The owner scales its completed segment and quantizes it once (with feedback); everyone forwards those bits.
    const ownR = range(mod(rank + 1, n));
    const own = x.subarray(ownR.start, ownR.end);
    for (let i = 0; i < own.length; i++) own[i] = own[i] / n;
    let outgoing = own.length > 0 ? compress(ownR, true) : undefined;
    for (let t = 0; t < steps; t++) {
      const destR = range(mod(rank - t, n));
      const dest = x.subarray(destR.start, destR.end);
      const tag = slot.base + (steps + t) * lanes + c;
      const send = outgoing !== undefined ? transport.send(right, slot.iter, tag, outgoing) : Promise.resolve();
      const recv = dest.length > 0 ? recvExact(ctx, left, slot.iter, tag, dest, 'compressed allreduce') : Promise.resolve(undefined);
      const [, got] = await Promise.all([send, recv]);
      if (got !== undefined) landIn(dest, got);
      // Re-encoding what was decoded gives the same bits: forwarded unchanged.
      outgoing = dest.length > 0 && t < steps - 1 ? encode(dest, codec) : undefined;
    }
  };

  await runLanes(lanes, ctx.lanes, lane);
}
