/**
 * One rank of `dtrain consensus`: average consensus x <- W(k) x over real
 * sockets (push-sum with a mixed weight on column-stochastic schedules),
 * reporting after every round the largest |x_i - xbar| of this rank, where
 * xbar is the exact average of every rank's starting vector.
 *
 * Parameters (argv[2], JSON): topology, rounds, length, seed, transport
 * ('tcp' | 'ipc'), timeoutMs, op ('gossip', default, or 'allreduce': each
 * round an allreduce of the mean instead, hierarchical when the topology
 * is), compress ('fp32' or a codec name: then CHOCO-Gossip with consensus
 * step gamma, 0 = the codec's default), and for fault injection
 * killRank/killRound (that rank kills itself with SIGKILL when it reaches
 * that round). DTRAIN_LOCAL_WORLD_SIZE groups the ranks into hosts for
 * hier:<inter> topologies. The result also carries the data bytes this
 * rank sent in the rounds, in all and to each peer.
 * With elastic the others go on over a new membership (consensus-elastic.ts).
 */
import { createSchedule } from '@dtrain/topology';
import { CommError } from '../errors.js';
import { ChocoState } from '../comm/choco.js';
import { Communicator } from '../comm/communicator.js';
import { readWorkerEnv } from '../env.js';
import { compressProblem, defaultConsensusStep, parseCompress } from '../transport/compress-spec.js';
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
  const op = stringParam(params, 'op', ['gossip', 'allreduce'] as const, 'gossip');
  const localSize = readWorkerEnv().localWorldSize;
  const compress = stringParam(params, 'compress', undefined, 'fp32');
  const problem = compressProblem(compress);
  if (problem !== undefined) throw new CommError('E_COMM_ARGUMENT', `parameter compress: ${problem}`);
  const codec = parseCompress(compress);
  const gammaRaw = params.gamma;
  const gamma = typeof gammaRaw === 'number' && gammaRaw > 0 && gammaRaw <= 1 ? gammaRaw : defaultConsensusStep(codec);
  const choco = codec.dtype === 'f32' ? undefined : { codec, gamma, state: new ChocoState() };
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
    const schedule = createSchedule(topology, size, { seed, ...(localSize === undefined ? {} : { localSize }) });
    const hosts = schedule.hierarchy === undefined ? {} : { localSize: schedule.hierarchy.localSize };
    const comm = new Communicator(transport, { timeoutMs, ...hosts });
    const x = consensusStart(seed, rank, length);
    const avg = consensusAverage(seed, size, length);
    const pushSum = schedule.stochastic === 'column';
    let weight = 1;
    const deviation: number[] = [];
    await comm.barrier();
    const bytes0 = transport.stats().bytesSent;
    const before = transport.stats().bytesSentTo ?? [];
    for (let k = 0; k < rounds; k++) {
      if (rank === killRank && k === killRound) process.kill(process.pid, 'SIGKILL');
      if (op === 'allreduce') await comm.allreduce(x, { op: 'mean', iteration: k });
      else if (choco !== undefined) weight = (await comm.compressedExchange(x, schedule, k, choco)).weight ?? weight;
      else weight = (await comm.exchange(x, schedule, k, pushSum ? { weight } : {})).weight ?? weight;
      deviation.push(maxDeviation(x, weight, avg));
    }
    const bytesSent = transport.stats().bytesSent - bytes0;
    const bytesSentTo = (transport.stats().bytesSentTo ?? []).map((b, p) => b - (before[p] ?? 0));
    await comm.barrier();
    emit({ type: 'result', rank, maxDeviation: deviation, pushSum, bytesSent: [bytesSent], bytesSentTo });
  } catch (err) {
    fail(rank, err);
  }
  await transport.close();
}

main().catch((err: unknown) => fail(Number(process.env.DTRAIN_RANK ?? -1), err));
