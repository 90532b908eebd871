/**
 * Compressed gossip: CHOCO-Gossip (Koloskova, Stich and Jaggi, ICML 2019,
 * arXiv 1902.00340, Algorithm 1), with one public copy per directed link so
 * that it also holds on schedules that change every iteration:
 *
 *   for each out-peer l:  q = Q(x_i - xh_{i->l});  xh_{i->l} += q;  send q
 *   for each in-peer j:   receive q_j;  xh_{j->i} += q_j
 *   x_i <- x_i + gamma (sum_j w_ij xh_{j->i} - sum_l w_li xh_{i->l})
 *
 * xh_{i->l} is the copy of x_i that i and l both hold (its sender computes
 * Q's output exactly as the receiver decodes it, transport/codec.ts), Q a
 * compressor (f16, bf16, i8, topk) and gamma the consensus step size.
 * Summed over i the two sums cancel link by link (each link's copy enters
 * once with +w_li at l and once with -w_li at i), so the average of x is
 * kept exactly, whatever Q does; with Q the identity and gamma = 1 the step
 * is x <- W x (the second sum is (1 - w_ii) x_i, W being column stochastic).
 * As x reaches consensus the differences x_i - xh shrink and so does what Q
 * loses of them: consensus still converges (for a contractive Q and gamma
 * small enough, Theorem 2 of the paper). On a static graph every out-copy
 * of i is the same vector and this is the paper's algorithm.
 *
 * Copies start at 0 on both ends, so a restart (every rank at once) keeps
 * them consistent without saving them. Memory: one model-sized vector per
 * distinct out-peer and in-peer seen.
 */
import type { RankStep, Schedule } from '@dtrain/topology';
import { CommError } from '../errors.js';
import { decodeInto, encode, type Codec } from '../transport/codec.js';
import { recvExact, type OpContext } from './context.js';
import { chunkCount, runLanes } from './lanes.js';
import type { OpSlot } from './clock.js';
import type { ExchangeResult } from './exchange.js';

/** The public copies of one rank: xh_{i->l} by out-peer l, xh_{j->i} by in-peer j. */
export class ChocoState {
  readonly out = new Map<number, Float32Array>();
  readonly in = new Map<number, Float32Array>();

  copy(side: 'out' | 'in', peer: number, length: number): Float32Array {
    const map = side === 'out' ? this.out : this.in;
    let v = map.get(peer);
    if (v === undefined || v.length !== length) {
      v = new Float32Array(length);
      map.set(peer, v);
    }
    return v;
  }
}

export interface ChocoOptions {
  codec: Codec;
  /** Consensus step size gamma in (0, 1]. */
  gamma: number;
  state: ChocoState;
}

/** One round of this rank, with w_li for each out-peer l (outWeights[t] for sendTo[t]). */
export interface ChocoRound {
  step: RankStep;
  outWeights: readonly number[];
}

const DIFF_INDEX = 60_000;

/** This rank's rounds of iteration k (round r on W(k R + r), as exchange.ts), with the weights its out-peers give it. */
export function planChoco(rank: number, schedule: Schedule, iteration: number, steps: readonly RankStep[]): ChocoRound[] {
  return steps.map((step, r) => {
    const at = iteration * steps.length + r;
    const outWeights = step.sendTo.map((peer) => {
      const theirs = schedule.at(at, peer);
      const t = theirs.recvFrom.indexOf(rank);
      if (t < 0) {
        throw new CommError('E_COMM_SCHEDULE', `schedule ${schedule.name} at iteration ${at}: rank ${rank} sends to rank ${peer}, which does not receive from it; the schedule is inconsistent`);
      }
      return theirs.recvWeights[t];
    });
    return { step, outWeights };
  });
}

export async function chocoExchange(
  ctx: OpContext,
  slot: OpSlot,
  x: Float32Array,
  rounds: readonly ChocoRound[],
  options: ChocoOptions,
): Promise<ExchangeResult> {
  const { transport, chunkFloats } = ctx;
  const { codec, gamma, state } = options;
  const n = x.length;
  const lanes = Math.max(1, chunkCount(n, chunkFloats));
  const tagOf = (r: number, c: number): number => slot.base + r * (lanes + 1) + c;

  const lane = async (c: number, s: number): Promise<void> => {
    const a = c * chunkFloats;
    const b = Math.min(n, a + chunkFloats);
    const view = x.subarray(a, b);
    for (let r = 0; r < rounds.length; r++) {
      const { step, outWeights } = rounds[r];
      const tag = tagOf(r, c);
      const outs = step.sendTo.map((peer) => state.copy('out', peer, n).subarray(a, b));
      const ins = step.recvFrom.map((peer) => state.copy('in', peer, n).subarray(a, b));
      const d = ctx.pool.get(s, DIFF_INDEX, view.length);
      const sends = step.sendTo.map((peer, t) => {
        const h = outs[t];
        for (let i = 0; i < d.length; i++) d[i] = view[i] - h[i];
        const packed = encode(d, codec);
        decodeInto(packed, d);
        for (let i = 0; i < d.length; i++) h[i] += d[i];
        return transport.send(peer, slot.iter, tag, packed);
      });
      const recvs = step.recvFrom.map((peer, t) =>
        recvExact(ctx, peer, slot.iter, tag, ctx.pool.get(s, t, view.length), 'compressed exchange').then((q) => {
          const h = ins[t];
          for (let i = 0; i < q.length; i++) h[i] += q[i];
        }),
      );
      await Promise.all([Promise.all(sends), Promise.all(recvs)]);
      for (let i = 0; i < view.length; i++) {
        let mix = 0;
        for (let t = 0; t < ins.length; t++) mix += step.recvWeights[t] * ins[t][i];
        for (let t = 0; t < outs.length; t++) mix -= outWeights[t] * outs[t][i];
        view[i] += gamma * mix;
      }
    }
  };

  await runLanes(lanes, ctx.lanes, lane);
  let floatsSent = 0;
  for (const { step } of rounds) floatsSent += step.sendTo.length * n;
  return { weight: undefined, floatsSent };
}
