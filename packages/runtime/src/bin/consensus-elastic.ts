/**
 * `dtrain consensus --elastic` (docs/elastic.md, "Consensus over a changing
 * membership"): average consensus that goes on when ranks die. Round k is
 * one exchange over the current members' schedule; a round whose exchange
 * fails is given up and the rank keeps its value from before it (a copy is
 * taken before every exchange), so each rank always holds a whole value.
 * When the members install a membership that holds from round K, its
 * target is
 *
 *   xbar(K) = (1 / m) sum_{i in members} x_i(K)        (doubly stochastic W)
 *   xbar(K) = sum_i x_i(K) / sum_i w_i(K)              (push-sum: x over the weights)
 *
 * the average of the live ranks' values as they hold them at round K,
 * computed exactly by an allreduce over the new members. Every later
 * schedule is doubly stochastic (column stochastic for push-sum) over the
 * members, so it keeps that average and the values converge to it. Each
 * round reports the largest |x_i / w_i - xbar| against the target in force.
 */
import { verifySchedule } from '@dtrain/topology';
import { Communicator } from '../comm/communicator.js';
import { Membership } from '../elastic/membership.js';
import { memberSchedule } from '../elastic/schedule.js';
import { EPOCH_SLOTS, ViewTransport } from '../elastic/view-transport.js';
import { ElasticError, PeerError, TransportError } from '../errors.js';
import type { Transport } from '../transport/types.js';
import { maxDeviation } from './consensus-data.js';

export interface ElasticConsensus {
  transport: Transport;
  topology: string;
  seed: number;
  rounds: number;
  x: Float32Array;
  average: Float64Array;
  killRank: number;
  killRound: number;
}

export interface ElasticConsensusResult {
  maxDeviation: number[];
  /** Every membership installed: its first round, members, target and this rank's value then. */
  changes: { round: number; members: number[]; target: number[]; value: number[]; weight: number }[];
  members: number[];
  /** The average of every rank's starting vector (the target before any change). */
  initialAverage: number[];
}

const absorbed = (e: unknown, view: ViewTransport): boolean =>
  e instanceof PeerError || (e instanceof ElasticError && e.code === 'E_ELASTIC_INTERRUPTED') || (e instanceof TransportError && view.isAborted);

export async function elasticConsensus(o: ElasticConsensus): Promise<ElasticConsensusResult> {
  const { transport, x } = o;
  let view = new ViewTransport(transport, Array.from({ length: transport.size }, (_, r) => r), 0);
  const membership = new Membership({ transport, minNodes: 1, onPending: () => view.abort(new ElasticError('E_ELASTIC_INTERRUPTED', 'membership change')) });
  let comm = new Communicator(view, { timeoutMs: transport.timeoutMs });
  let schedule = memberSchedule(o.topology, transport.size, o.seed, 0).schedule;
  let target = o.average;
  let weight = 1;
  const pushSum = schedule.stochastic === 'column';
  const deviation = new Array<number>(o.rounds).fill(Number.NaN);
  const changes: ElasticConsensusResult['changes'] = [];
  const saved = new Float32Array(x.length);
  let k = 0;
  while (k < o.rounds) {
    if (membership.pending || view.isAborted) {
      const installed = await membership.agree(k);
      k = installed.step;
      view = new ViewTransport(transport, installed.members, installed.epoch);
      comm = new Communicator(view, { timeoutMs: transport.timeoutMs });
      schedule = memberSchedule(o.topology, installed.members.length, o.seed, installed.epoch).schedule;
      verifySchedule(schedule, k, 64);
      transport.finish(k * EPOCH_SLOTS);
      try {
        // The members' sum of values (and of push-sum weights), exactly, in float64.
        const mine = Float64Array.from([...x, weight]);
        const all = await comm.allgather(mine, { iteration: k });
        const total = new Float64Array(mine.length);
        for (const row of all) for (let i = 0; i < row.length; i++) total[i] += row[i]!;
        const w = pushSum ? total[x.length]! : installed.members.length;
        target = total.subarray(0, x.length).map((v) => v / w);
        changes.push({ round: k, members: [...installed.members], target: Array.from(target), value: Array.from(x), weight });
      } catch (e) {
        if (!absorbed(e, view)) throw e;
        continue;
      }
    }
    if (transport.rank === o.killRank && k === o.killRound) process.kill(process.pid, 'SIGKILL');
    saved.set(x);
    try {
      const out = await comm.exchange(x, schedule, k, pushSum ? { weight } : {});
      weight = out.weight ?? weight;
    } catch (e) {
      if (!absorbed(e, view)) throw e;
      membership.suspectFrom(e);
      x.set(saved);
    }
    k += 1;
    deviation[k - 1] = maxDeviation(x, weight, target);
  }
  // Rounds a lagging rank skipped when it joined a membership that held from a later round: its value then.
  for (let i = 0; i < deviation.length; i++) if (Number.isNaN(deviation[i])) deviation[i] = i > 0 ? deviation[i - 1]! : maxDeviation(x, weight, target);
  for (;;) {
    try {
      await comm.barrier({ iteration: k });
      break;
    } catch (e) {
      if (!absorbed(e, view)) throw e;
      // A member lost at the very end: the others still finish; their values are final.
      break;
    }
  }
  membership.close();
  return { maxDeviation: deviation, changes, members: [...membership.members], initialAverage: Array.from(o.average) };
}
