/**
 * Neighbour exchange (partial averaging, seed 001; push-sum, seed 003):
 *
 *   x_i <- W[i][i] x_i + sum_{j in recvFrom} W[i][j] x_j
 *
 * with the weights of the schedule at the given iteration (convention.ts).
 * The same rule serves doubly stochastic (DSGD) and column-stochastic
 * (push-sum) schedules; for push-sum a scalar weight w_i is mixed with the
 * same weights alongside x, and x_i / w_i is the estimate of the average.
 *
 * The vector is streamed in chunks ("lanes"): each lane sends its chunk to
 * every out-peer and receives the matching chunk from every in-peer into a
 * reused buffer, waits until its sends are delivered, then combines in
 * place. With R rounds, round r of iteration k uses W(k R + r) unless a
 * `scheduleIteration` is given; a lane runs its rounds back to back.
 */
import type { RankStep, Schedule } from '@dtrain/topology';
import { CommError } from '../errors.js';
import { combineInPlace, decodeF64, encodeF64 } from './combine.js';
import { recvExact, type OpContext } from './context.js';
import { chunkCount, runLanes } from './lanes.js';
import type { OpSlot } from './clock.js';

export interface ExchangeOptions {
  /** Gossip rounds per call (default 1). */
  rounds?: number;
  /** Push-sum weight of this rank, mixed alongside x; the result carries the new one. */
  weight?: number;
  /** Schedule iteration of round `round` of training iteration `iteration` (default iteration * rounds + round). */
  scheduleIteration?: (iteration: number, round: number) => number;
}

export interface ExchangeResult {
  /** The mixed push-sum weight, when `weight` was given. */
  readonly weight: number | undefined;
  /** Floats this rank sent (all rounds, all peers). */
  readonly floatsSent: number;
}

/** Validate the options and fetch this rank's steps for every round. */
export function planExchange(
  ctx: OpContext,
  schedule: Schedule,
  iteration: number,
  options: ExchangeOptions,
): RankStep[] {
  if (schedule.nodes !== ctx.size) {
    throw new CommError(
      'E_COMM_SCHEDULE',
      `schedule ${schedule.name} has ${schedule.nodes} nodes but the job has ${ctx.size} ranks; build the schedule with nodes = ${ctx.size}`,
    );
  }
  const rounds = options.rounds ?? 1;
  if (!Number.isSafeInteger(rounds) || rounds < 1) {
    throw new CommError('E_COMM_ARGUMENT', `rounds must be an integer >= 1; got ${String(rounds)}`);
  }
  if (options.weight !== undefined && !Number.isFinite(options.weight)) {
    throw new CommError('E_COMM_ARGUMENT', `weight must be a finite number; got ${String(options.weight)}`);
  }
  const at = options.scheduleIteration ?? ((k: number, r: number) => k * rounds + r);
  return Array.from({ length: rounds }, (_, r) => schedule.at(at(iteration, r), ctx.rank));
}

export async function exchange(
  ctx: OpContext,
  slot: OpSlot,
  x: Float32Array,
  steps: readonly RankStep[],
  weight: number | undefined,
): Promise<ExchangeResult> {
  const { transport, chunkFloats } = ctx;
  const lanes = Math.max(1, chunkCount(x.length, chunkFloats));
  // Tags: round r, lane c -> base + r * (lanes + 1) + c; lane `lanes` carries the weight.
  const tagOf = (r: number, c: number): number => slot.base + r * (lanes + 1) + c;

  const lane = async (c: number, s: number): Promise<void> => {
    const view = x.subarray(c * chunkFloats, Math.min(x.length, (c + 1) * chunkFloats));
    for (let r = 0; r < steps.length; r++) {
      const step = steps[r];
      const tag = tagOf(r, c);
      const sends = Promise.all(step.sendTo.map((peer) => transport.send(peer, slot.iter, tag, view)));
      const recvs = Promise.all(
        step.recvFrom.map((peer, t) => recvExact(ctx, peer, slot.iter, tag, ctx.pool.get(s, t, view.length), 'exchange')),
      );
      // Await both together so a failed send is never left unobserved.
      const [, parts] = await Promise.all([sends, recvs]);
      combineInPlace(view, step.selfWeight, parts, step.recvWeights);
      for (const part of parts) transport.release?.(part);
    }
  };

  const mixWeight = async (): Promise<number | undefined> => {
    if (weight === undefined) return undefined;
    let w = weight;
    for (let r = 0; r < steps.length; r++) {
      const step = steps[r];
      const tag = tagOf(r, lanes);
      const body = encodeF64([w]);
      const sends = step.sendTo.map((peer) => transport.send(peer, slot.iter, tag, body));
      const recvs = step.recvFrom.map((peer) => recvExact(ctx, peer, slot.iter, tag, new Float32Array(2), 'exchange weight'));
      const [, parts] = await Promise.all([Promise.all(sends), Promise.all(recvs)]);
      let next = step.selfWeight * w;
      parts.forEach((p, t) => (next += step.recvWeights[t] * decodeF64(p)[0]));
      w = next;
    }
    return w;
  };

  const [, mixed] = await Promise.all([runLanes(lanes, ctx.lanes, lane), mixWeight()]);
  let floatsSent = 0;
  for (const step of steps) floatsSent += step.sendTo.length * x.length;
  return { weight: mixed, floatsSent };
}
