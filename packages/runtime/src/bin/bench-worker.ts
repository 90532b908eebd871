/**
 * One rank of `dtrain bench comm`: times a communicator operation
 * (neighbour exchange or ring allreduce) on a vector of `floats` float32,
 * and in the same run the same traffic over plain sockets read straight
 * into preallocated buffers (raw-mesh.ts). For allreduce it also measures
 * the raw ring-shift bandwidth and the raw small-message latency that the
 * alpha-beta optimum is computed from.
 *
 * Every timed iteration starts after a barrier, raw and communicator
 * iterations alternate; the launcher takes the slowest rank per iteration
 * and the median over iterations.
 */
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { createSchedule, type RankStep } from '@dtrain/topology';
import { Communicator } from '../comm/communicator.js';
import { DEFAULT_CHUNK_FLOATS } from '../comm/constants.js';
import { frameTag, newInstance, senderKey } from '../transport/mac.js';
import { openTransport } from './connect.js';
import { meshHost, RawMesh } from './raw-mesh.js';
import { emit, fail, intParam, readParams, settleOnTerm, stringParam } from './worker-io.js';

const PING_REPS = 200;

/** GC observer entries arrive asynchronously: let the ones of the iteration just run come in. */
function settleGcEntries(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function main(): Promise<void> {
  const params = readParams();
  const floats = intParam(params, 'floats', 1);
  const iters = intParam(params, 'iters', 1, 5);
  const warmup = intParam(params, 'warmup', 0, 1);
  const timeoutMs = intParam(params, 'timeoutMs', 1, 60_000);
  const op = stringParam(params, 'op', ['exchange', 'allreduce'] as const);
  const topology = stringParam(params, 'topology', undefined, 'ring');
  const protocol = stringParam(params, 'transport', ['tcp', 'ipc'] as const, 'tcp');
  const chunkFloats = params.chunkFloats === undefined ? undefined : intParam(params, 'chunkFloats', 1);
  const lanes = params.lanes === undefined ? undefined : intParam(params, 'lanes', 1);

  settleOnTerm(timeoutMs);
  const transport = await openTransport(protocol, timeoutMs);
  const { rank, size } = transport;
  try {
    const comm = new Communicator(transport, { timeoutMs, chunkFloats, lanes });
    const schedule = createSchedule(topology, size, {});
    const x = new Float32Array(floats);
    for (let i = 0; i < floats; i++) x[i] = ((i * 7 + rank * 13) % 101) / 101;
    const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const ring: RankStep = {
      sendTo: [(rank + 1) % size],
      sendWeights: [1],
      recvFrom: [(rank - 1 + size) % size],
      recvWeights: [1],
      selfWeight: 0,
    };
    const stepAt = (k: number): RankStep => (op === 'exchange' ? schedule.at(k, rank) : ring);

    // The raw sockets listen where the transport bound: on an emulated cluster they cross the same links.
    const mesh = await RawMesh.open(comm, protocol, process.env.DTRAIN_JOB_ID ?? 'bench', meshHost(transport.address(rank)));
    let rttUs: number | null = null;
    if (op === 'allreduce' && size > 1) rttUs = await pingPong(mesh, comm);
    // Raw and communicator iterations alternate, so load from other processes hits both alike.
    const inbufs: Uint8Array[] = [];
    const rawMs: number[] = [];
    const opMs: number[] = [];
    // CPU time of this process (every thread, ZeroMQ's I/O thread included): a cost measure load cannot inflate much.
    const rawCpuMs: number[] = [];
    const opCpuMs: number[] = [];
    const cpuMs = (since: NodeJS.CpuUsage): number => {
      const d = process.cpuUsage(since);
      return (d.user + d.system) / 1000;
    };
    // Collections during the communicator's iterations: time and full mark-compacts.
    const gc = { ms: 0, full: 0 };
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gc.ms += e.duration;
        const kind = (e as { detail?: { kind?: number } }).detail?.kind;
        if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gc.full += 1;
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const opGcMs: number[] = [];
    const opFullGcs: number[] = [];
    for (let i = 0; i < warmup + iters; i++) {
      const step = stepAt(i);
      while (inbufs.length < step.recvFrom.length) inbufs.push(new Uint8Array(bytes.length));
      const expects = step.recvFrom.map((p, t) => mesh.expect(p, inbufs[t]));
      await comm.barrier();
      let t0 = performance.now();
      let c0 = process.cpuUsage();
      await Promise.all([...step.sendTo.map((p) => mesh.send(p, bytes)), ...expects]);
      if (i >= warmup) {
        rawMs.push(performance.now() - t0);
        rawCpuMs.push(cpuMs(c0));
      }
      await comm.barrier();
      await settleGcEntries();
      const g0 = { ...gc };
      t0 = performance.now();
      c0 = process.cpuUsage();
      if (op === 'exchange') await comm.exchange(x, schedule, i);
      else await comm.allreduce(x, { op: 'mean' });
      if (i >= warmup) {
        opMs.push(performance.now() - t0);
        opCpuMs.push(cpuMs(c0));
      }
      await settleGcEntries();
      if (i >= warmup) {
        opGcMs.push(gc.ms - g0.ms);
        opFullGcs.push(gc.full - g0.full);
      }
    }
    gcObserver.disconnect();
    inbufs.length = 0;
    mesh.close();
    const macMs = timeMac(x, chunkFloats ?? DEFAULT_CHUNK_FLOATS, iters);
    await comm.barrier();
    emit({ type: 'result', rank, opMs, rawMs, opCpuMs, rawCpuMs, rttUs, macMs, opGcMs, opFullGcs });
  } catch (err) {
    fail(rank, err);
  }
  await transport.close();
}

/**
 * What the frame MAC costs per vector, measured in this run: Poly1305 over `x` in frames of
 * `chunk` floats, in place, as the transport does for every vector it sends or receives
 * (already inside the communicator's times above).
 */
function timeMac(x: Float32Array, chunk: number, iters: number): number[] {
  const inst = newInstance();
  const key = senderKey(Buffer.alloc(32, 1), 0, inst);
  const header = Buffer.alloc(120, 7);
  const out: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    for (let start = 0, seq = 1; start < x.length; start += chunk, seq++) {
      const view = x.subarray(start, Math.min(x.length, start + chunk));
      frameTag(key, 'data', 1, seq, header, new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    }
    out.push(performance.now() - t0);
  }
  return out;
}

/** Median round trip of a 4-byte message between ranks 0 and 1, in microseconds (others wait). */
async function pingPong(mesh: RawMesh, comm: Communicator): Promise<number | null> {
  const rank = comm.rank;
  const msg = new Uint8Array(4);
  const got = new Uint8Array(4);
  const samples: number[] = [];
  await comm.barrier();
  if (rank <= 1) {
    const peer = 1 - rank;
    for (let i = 0; i < PING_REPS; i++) {
      const t0 = performance.now();
      if (rank === 0) {
        const back = mesh.expect(peer, got);
        await mesh.send(peer, msg);
        await back;
      } else {
        await mesh.expect(peer, got);
        await mesh.send(peer, msg);
      }
      samples.push((performance.now() - t0) * 1000);
    }
  }
  await comm.barrier();
  if (rank !== 0) return null;
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

main().catch((err: unknown) => fail(Number(process.env.DTRAIN_RANK ?? -1), err));
