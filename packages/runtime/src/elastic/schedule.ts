/**
 * The schedule of a membership: the user's topology rebuilt on the m live
 * ranks (renumbered 0 .. m-1 in ascending order of their job rank), a pure
 * function of (seed, membership epoch, iteration), as the first one is of
 * (seed, iteration). Epoch 0 is the job's own schedule; a later epoch mixes
 * the epoch into the seed of a random topology. A topology that cannot be
 * built on m nodes (a torus of 7) falls back to the ring, which can.
 *
 * Before a membership takes its first step its schedule is verified as at
 * start-up: every send of W(k) has its matching receive with the same weight
 * (verifySchedule), and every W(k) is doubly stochastic, or column
 * stochastic for push-sum (stochasticity), over the iterations checked.
 */
import { createSchedule, hashInts, stochasticity, TopologyError, verifySchedule, type Schedule, type TopologyOptions } from '@dtrain/topology';

/** The fallback when the user's topology has no graph on m nodes. */
export const FALLBACK_TOPOLOGY = 'ring';

/** Seed of membership `epoch`'s schedule: the job's seed at epoch 0, then a hash of both. */
export function epochSeed(seed: number, epoch: number): number {
  return epoch === 0 ? seed : hashInts(seed, epoch, 0x656c6173);
}

export interface MemberSchedule {
  readonly schedule: Schedule;
  /** The topology built: the user's, or FALLBACK_TOPOLOGY with the reason. */
  readonly topology: string;
  readonly fallback?: string;
}

/** `topology` on `m` nodes for membership `epoch`. */
export function memberSchedule(topology: string, m: number, seed: number, epoch: number, options: TopologyOptions = {}): MemberSchedule {
  const opts = { ...options, seed: epochSeed(seed, epoch) };
  try {
    return { schedule: createSchedule(topology, m, opts), topology };
  } catch (error) {
    if (!(error instanceof TopologyError) || topology === FALLBACK_TOPOLOGY) throw error;
    return { schedule: createSchedule(FALLBACK_TOPOLOGY, m, opts), topology: FALLBACK_TOPOLOGY, fallback: error.message };
  }
}

export interface MemberCheck {
  readonly iterations: number;
  readonly messages: number;
  readonly stochastic: 'doubly' | 'column';
}

/**
 * The start-up check on iterations from .. from+iterations-1: send/receive
 * pairs and weights (E_TOPOLOGY_SCHEDULE), and each W(k) doubly stochastic
 * (or column stochastic when `need` is 'column'); E_TOPOLOGY_MATRIX otherwise.
 */
export function verifyMemberSchedule(schedule: Schedule, from: number, iterations: number, need: 'doubly' | 'column'): MemberCheck {
  const { messages } = verifySchedule(schedule, from, iterations);
  const distinct = schedule.dynamic ? iterations : 1;
  let kind: 'doubly' | 'column' = 'doubly';
  for (let k = from; k < from + distinct; k++) {
    const got = stochasticity(schedule.matrix(k), `${schedule.name} W(${k}) on ${schedule.nodes} members`);
    if (got === 'column') kind = 'column';
  }
  if (need === 'doubly' && kind !== 'doubly') {
    throw new TopologyError('E_TOPOLOGY_MATRIX', `${schedule.name} on ${schedule.nodes} members is only column stochastic; this algorithm needs doubly stochastic weights`);
  }
  return { iterations, messages, stochastic: kind };
}
