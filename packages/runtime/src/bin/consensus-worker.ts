/**
 * One rank of `dtrain consensus`: average consensus x <- W(k) x over real
 * sockets (push-sum with a mixed weight on column-stochastic schedules),
 * reporting after every round the largest |x_i - xbar| of this rank, where
 * xbar is the exact average of every rank's starting vector.
 *
 * Parameters (argv[2], JSON): topology, rounds, length, seed, transport
 * ('tcp' | 'ipc'), timeoutMs, and for fault injection killRank/killRound
 * (that rank kills itself with SIGKILL when it reaches that round);
 * elastic: the others go on over a new membership (consensus-elastic.ts).
 */
import { createSchedule } from '@dtrain/topology';
import { Communicator } from '../comm/communicator.js';
import { consensusAverage, consensusStart, maxDeviation } from './consensus-data.js';
import { elasticConsensus } from './consensus-elastic.js';
import { openTransport } from './connect.js';
import { emit, fail, intParam, readParams, settleOnTerm, stringParam } from './worker-io.js';

async function main(): Promise<void> {
  const params = readParams();
  const rounds = intParam(params, 'rounds', 1);
  const length = intParam(params, 'length', 1);
  const seed = intParam(params, 'seed', 0, 0);
  const timeoutMs = intParam(params, 'timeoutMs', 1, 30_000);
  const killRank = intParam(params, 'killRank', -1, -1);
  const killRound = intParam(params, 'killRound', 0, 0);
  const topology = stringParam(params, 'topology');
  const protocol = stringParam(params, 'transport', ['tcp', 'ipc'] as const, 'tcp');
  const elastic = params.elastic === true;

  settleOnTerm(timeoutMs);
  const transport = await openTransport(protocol, timeoutMs);
  const { rank, size } = transport;
  try {
    if (elastic) {
      const out = await elasticConsensus({ transport, topology, seed, rounds, x: consensusStart(seed, rank, length), average: consensusAverage(seed, size, length), killRank, killRound });
      emit({ type: 'result', rank, ...out, pushSum: false });
      await transport.close();
      return;
    }
    const comm = new Communicator(transport, { timeoutMs });
    const schedule = createSchedule(topology, size, { seed });
    const x = consensusStart(seed, rank, length);
    const avg = consensusAverage(seed, size, length);
    const pushSum = schedule.stochastic === 'column';
    let weight = 1;
    const deviation: number[] = [];
    await comm.barrier();
    for (let k = 0; k < rounds; k++) {
      if (rank === killRank && k === killRound) process.kill(process.pid, 'SIGKILL');
      const out = await comm.exchange(x, schedule, k, pushSum ? { weight } : {});
      weight = out.weight ?? weight;
      deviation.push(maxDeviation(x, weight, avg));
    }
    await comm.barrier();
    emit({ type: 'result', rank, maxDeviation: deviation, pushSum });
  } catch (err) {
    fail(rank, err);
  }
  await transport.close();
}

main().catch((err: unknown) => fail(Number(process.env.DTRAIN_RANK ?? -1), err));
