/**
 * A self-checking worker for the process tests: ring allreduce of the
 * seeded starting vectors for several lengths (compared with the exact sum,
 * recomputed from the seeds), then `iterations` one-peer-exponential
 * exchanges while `slowRank` sleeps `slowMs` before each one (compared with
 * x(k) = W(k-1)...W(0) x(0) simulated in float64 from the seeds).
 *
 * Parameters (argv[2], JSON): lengths, seed, iterations, slowRank, slowMs,
 * transport, timeoutMs. Reports the largest errors and a checksum of the
 * allreduce results (identical bits on every rank give identical sums).
 */
import { createSchedule } from '@dtrain/topology';
import { Communicator } from '../comm/communicator.js';
import { consensusAverage, consensusStart } from './consensus-data.js';
import { openTransport } from './connect.js';
import { emit, fail, intParam, readParams, stringParam } from './worker-io.js';

function lengthsParam(raw: unknown): number[] {
  if (!Array.isArray(raw) || !raw.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) {
    throw new Error(`parameter lengths must be a list of non-negative integers; got ${JSON.stringify(raw)}`);
  }
  return raw as number[];
}

async function main(): Promise<void> {
  const params = readParams();
  const lengths = lengthsParam(params.lengths);
  const seed = intParam(params, 'seed', 0, 0);
  const iterations = intParam(params, 'iterations', 0, 0);
  const slowRank = intParam(params, 'slowRank', -1, -1);
  const slowMs = intParam(params, 'slowMs', 0, 0);
  const timeoutMs = intParam(params, 'timeoutMs', 1, 30_000);
  const protocol = stringParam(params, 'transport', ['tcp', 'ipc'] as const, 'tcp');
  const transport = await openTransport(protocol, timeoutMs);
  const { rank, size } = transport;
  try {
    const comm = new Communicator(transport, { timeoutMs, chunkFloats: 64, lanes: 3 });
    const allreduceError: number[] = [];
    const checksums: number[] = [];
    for (const length of lengths) {
      const x = consensusStart(seed + length, rank, length);
      const avg = consensusAverage(seed + length, size, length);
      await comm.allreduce(x);
      let err = 0;
      let sum = 0;
      for (let i = 0; i < length; i++) {
        err = Math.max(err, Math.abs(x[i] - size * avg[i]));
        sum += x[i] * (i + 1);
      }
      allreduceError.push(err);
      checksums.push(sum);
    }
    const schedule = createSchedule('onepeer-exp', size, {});
    const len = 300;
    const xs = Array.from({ length: size }, (_, r) => Float64Array.from(consensusStart(seed, r, len)));
    const x = consensusStart(seed, rank, len);
    for (let k = 0; k < iterations; k++) {
      if (rank === slowRank) await new Promise((resolve) => setTimeout(resolve, slowMs));
      await comm.exchange(x, schedule, k);
      const W = schedule.matrix(k);
      const next = W.map((row) => {
        const out = new Float64Array(len);
        row.forEach((w, j) => {
          if (w !== 0) for (let i = 0; i < len; i++) out[i] += w * xs[j][i];
        });
        return out;
      });
      xs.splice(0, size, ...next);
    }
    let exchangeError = 0;
    for (let i = 0; i < len; i++) exchangeError = Math.max(exchangeError, Math.abs(x[i] - xs[rank][i]));
    await comm.barrier();
    emit({ type: 'result', rank, allreduceError, checksums, exchangeError });
  } catch (err) {
    fail(rank, err);
  }
  await transport.close();
}

main().catch((err: unknown) => fail(Number(process.env.DTRAIN_RANK ?? -1), err));
