/**
 * Hierarchical communication over hosts (the topology's hier:<inter>): ranks
 * rank = host * L + local rank, L per host; local rank 0 leads its host.
 *
 * - hierExchange, one gossip iteration of hier:<inter>:
 *     1. x <- mean of the host's x (ring allreduce inside the host),
 *     2. the leaders mix with the inter-host schedule's weights
 *        (x_h <- B[h][h] x_h + sum_g B[h][g] x_g, one exchange between leaders),
 *     3. the leader's x is broadcast inside the host.
 *   Only step 2 crosses hosts: one vector per inter-host message.
 * - hierAllreduce, the exact mean (PSGD): sum inside each host, ring
 *   allreduce of the sums between the leaders, divide by n on the leader,
 *   broadcast inside the host. Every rank ends with identical bits.
 *
 * The three phases share the caller's slot; each takes its own block of
 * PHASE_TAGS tags, so their frames never meet.
 */
import { hostMembers, hostOf, leaderStep, type Hierarchy, type Schedule } from '@dtrain/topology';
import { CommError } from '../errors.js';
import { ringAllreduce } from './allreduce.js';
import type { OpSlot } from './clock.js';
import { broadcast } from './collectives.js';
import type { OpContext } from './context.js';
import { exchange, type ExchangeResult } from './exchange.js';

/** Tags of one phase of one round (TAGS_PER_OP = 2^32 holds 256 of them: 85 rounds). */
const PHASE_TAGS = 2 ** 24;
/** Most rounds one hierarchical exchange may run (3 phases each within TAGS_PER_OP). */
export const MAX_HIER_ROUNDS = 85;

const phase = (slot: OpSlot, index: number): OpSlot => ({ iter: slot.iter, base: slot.base + index * PHASE_TAGS });

/** This rank's host, its members and the hosts' leaders. */
export interface HostLayout {
  readonly localSize: number;
  readonly host: number;
  readonly members: readonly number[];
  readonly leader: number;
  readonly leaders: readonly number[];
}

export function hostLayout(rank: number, size: number, localSize: number): HostLayout {
  if (!Number.isSafeInteger(localSize) || localSize < 1 || size % localSize !== 0) {
    throw new CommError('E_COMM_ARGUMENT', `ranks per host must divide the ${size} ranks; got ${String(localSize)}`);
  }
  const host = hostOf(rank, localSize);
  const members = hostMembers(host, localSize);
  const leaders = Array.from({ length: size / localSize }, (_, h) => h * localSize);
  return { localSize, host, members, leader: members[0], leaders };
}

export async function hierExchange(
  ctx: OpContext,
  slot: OpSlot,
  x: Float32Array,
  schedule: Schedule & { hierarchy: Hierarchy },
  iteration: number,
  rounds: number,
): Promise<ExchangeResult> {
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > MAX_HIER_ROUNDS) {
    throw new CommError('E_COMM_ARGUMENT', `rounds of a hierarchical exchange must be an integer in 1..${MAX_HIER_ROUNDS}; got ${String(rounds)}`);
  }
  const h = schedule.hierarchy;
  const layout = hostLayout(ctx.rank, ctx.size, h.localSize);
  let floatsSent = 0;
  for (let r = 0; r < rounds; r++) {
    await ringAllreduce(ctx, phase(slot, 3 * r), x, 'mean', layout.members);
    if (ctx.rank === layout.leader) {
      const step = leaderStep(h, iteration * rounds + r, layout.host);
      floatsSent += (await exchange(ctx, phase(slot, 3 * r + 1), x, [step], undefined)).floatsSent;
    }
    await broadcast(ctx, phase(slot, 3 * r + 2), x, layout.leader, layout.members);
  }
  return { weight: undefined, floatsSent };
}

export async function hierAllreduce(ctx: OpContext, slot: OpSlot, x: Float32Array, mean: boolean, localSize: number): Promise<void> {
  const layout = hostLayout(ctx.rank, ctx.size, localSize);
  await ringAllreduce(ctx, phase(slot, 0), x, 'sum', layout.members);
  if (ctx.rank === layout.leader) {
    await ringAllreduce(ctx, phase(slot, 1), x, 'sum', layout.leaders);
    if (mean) {
      const scale = 1 / ctx.size;
      for (let i = 0; i < x.length; i++) x[i] *= scale;
    }
  }
  await broadcast(ctx, phase(slot, 2), x, layout.leader, layout.members);
}
