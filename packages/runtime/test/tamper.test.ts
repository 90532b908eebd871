/**
 * An attacker on the path of a running job, holding no secret: a proxy
 * between rank 0 and rank 1 (a real process) changes one body bit, sends a
 * data frame twice and replays a captured ack; a raw socket sends a frame
 * larger than the worker's limit and one larger than ZeroMQ's. Each is
 * dropped and counted by its reason, and every result the job computes is
 * still exact. Runs the compiled dist/ (build first).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { unpack } from 'msgpackr';
import { Dealer } from 'zeromq';
import { connectZmqTransport, type Transport } from '@dtrain/runtime';
import { startFixture, stopFixture, type Fixture } from './helpers/spawn.js';
import { startProxy, type Direction, type Proxy } from './helpers/tcp-proxy.js';
import { codecFor } from './helpers/fuzz-frames.js';
import { encodeFrame } from '@dtrain/runtime';
import { freePort } from '../../../test-utils/index.js';

const secret = 'tamper-test-secret-0123456789';
const ITERATIONS = 10;
const LENGTH = 512;
const WORKER_LIMIT = 4096;

interface Seen {
  kind: string;
  iter: number;
  seq: number;
}

function headerOf(parts: Buffer[]): Seen | undefined {
  if (parts.length !== 3) return undefined;
  try {
    const h = unpack(parts[0]!) as Record<string, unknown>;
    return { kind: String(h.kind), iter: Number(h.iter), seq: Number(h.seq) };
  } catch {
    return undefined;
  }
}

interface Stats {
  dropped: Record<string, number>;
  framesReceived: number;
  framesResent: number;
}

describe('an attacker on the path, without the secret', () => {
  let worker: Fixture | undefined;
  let t0: Transport | undefined;
  let proxy: Proxy | undefined;
  let raw: Dealer | undefined;
  afterEach(async () => {
    raw?.close();
    await t0?.close();
    await stopFixture(worker);
    await proxy?.close();
  });

  it('a changed body bit, a replayed data frame and ack, oversized frames: dropped, counted, results exact', async () => {
    const [port, dataPort] = [await freePort(), await freePort()];
    let flipped = false;
    let replayedData = false;
    let capturedAck: Buffer[] | undefined;
    let replayedAck = false;
    const tamper = (direction: Direction, parts: Buffer[]): Buffer[][] => {
      const h = headerOf(parts);
      if (h === undefined) return [parts];
      if (direction === 'toServer' && h.kind === 'data' && h.iter === 2 && !flipped) {
        flipped = true;
        const body = Buffer.from(parts[2]!);
        body[100]! ^= 0x04; // one bit of one float
        return [[parts[0]!, parts[1]!, body]];
      }
      if (direction === 'toServer' && h.kind === 'data' && h.iter === 4 && !replayedData) {
        replayedData = true;
        return [parts, parts];
      }
      if (direction === 'toClient' && h.kind === 'ack' && h.iter === 1) capturedAck ??= parts;
      if (direction === 'toClient' && h.kind === 'ack' && h.iter === 6 && capturedAck !== undefined && !replayedAck) {
        replayedAck = true;
        return [parts, capturedAck];
      }
      return [parts];
    };
    proxy = await startProxy(() => dataPort, { tamper });
    const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `tamper-${port}`, timeoutMs: 20_000, retransmitMs: 1_000 };
    worker = startFixture(
      'transport-worker.mjs',
      {
        mode: 'echo',
        connect: { ...connect, rank: 1, port: dataPort, advertise: `tcp://127.0.0.1:${proxy.port}`, maxElements: WORKER_LIMIT },
        expectDropped: 3,
      },
      { DTRAIN_SECRET: secret },
    );
    t0 = await connectZmqTransport({ ...connect, rank: 0, secret });
    const transport = t0;
    await worker.next('ready');

    const exchange = async (iter: number): Promise<void> => {
      const body = Float32Array.from({ length: LENGTH }, (_, i) => i * 0.75 + iter);
      await transport.send(1, iter, 0, body);
      const echo = await transport.recv(1, iter, 0);
      const wrong = echo.findIndex((x, i) => x !== 2 * (i * 0.75 + iter) + iter);
      expect(wrong, `iteration ${iter}: first wrong element`).toBe(-1);
      transport.finish(iter + 1);
    };
    for (let iter = 0; iter < ITERATIONS; iter++) await exchange(iter);
    expect([flipped, replayedData, replayedAck]).toEqual([true, true, true]);

    // Oversized, from a host of the job (so admitted): above the worker's limit, then above ZeroMQ's.
    raw = new Dealer({ linger: 0 });
    const disconnected = new Promise<void>((resolve) => raw!.events.on('disconnect', () => resolve()));
    raw.connect(`tcp://127.0.0.1:${dataPort}`);
    const big = codecFor(secret, connect.jobId, 0, '0badc0de0badc0de');
    await raw.send(encodeFrame(big, 'link', { kind: 'data', from: 0, to: 1, iter: ITERATIONS, tag: 0, seq: 1 }, new Float32Array(2 * WORKER_LIMIT)));
    await raw.send([Buffer.alloc(16), Buffer.alloc(16), Buffer.alloc(1 << 20)]);
    await disconnected; // ZeroMQ dropped the connection at the part above its limit, before buffering it
    for (let iter = ITERATIONS; iter < ITERATIONS + 2; iter++) await exchange(iter);
    await transport.send(1, ITERATIONS + 2, 0, new Float32Array(0));

    const { stats } = (await worker.next('stats')) as { stats: Stats };
    const mine = transport.stats() as Stats;
    // The changed frame failed its MAC once; its retransmit went through.
    expect(stats.dropped['bad-mac']).toBe(1);
    expect(stats.dropped.oversized).toBe(1);
    // The replayed data frame, plus one per retransmit whose first copy had arrived (all but the changed one's).
    expect(stats.dropped.replay).toBe(1 + mine.framesResent - 1);
    expect(mine.framesResent).toBeGreaterThanOrEqual(1);
    // The replayed ack, plus the worker's own late retransmits (none on an idle machine).
    expect(mine.dropped.replay).toBe(1 + stats.framesResent);
    expect(stats.framesReceived).toBe(ITERATIONS + 3);
    expect(mine.framesReceived).toBe(ITERATIONS + 2);
    expect(await worker.exited).toBe(0);
  });

  it('a proxy that sets every body to NaN stops the job with a timeout, never with a NaN result', async () => {
    const [port, dataPort] = [await freePort(), await freePort()];
    const nan = (direction: Direction, parts: Buffer[]): Buffer[][] => {
      const h = headerOf(parts);
      if (direction !== 'toServer' || h?.kind !== 'data') return [parts];
      const body = Buffer.from(new Float32Array(parts[2]!.length / 4).fill(Number.NaN).buffer);
      return [[parts[0]!, parts[1]!, body]]; // header and tag untouched, as in the attack on the old format
    };
    proxy = await startProxy(() => dataPort, { tamper: nan });
    const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `nan-${port}`, timeoutMs: 3_000, retransmitMs: 300 };
    worker = startFixture(
      'transport-worker.mjs',
      { mode: 'echo', connect: { ...connect, rank: 1, port: dataPort, advertise: `tcp://127.0.0.1:${proxy.port}` } },
      { DTRAIN_SECRET: secret },
    );
    t0 = await connectZmqTransport({ ...connect, rank: 0, secret });
    await worker.next('ready');
    await expect(t0.send(1, 0, 0, Float32Array.from({ length: LENGTH }, (_, i) => i))).rejects.toMatchObject({ code: 'E_PEER_TIMEOUT', peer: 1 });
    const failed = (await worker.next('failed')) as { code: string; stats: Stats };
    expect(failed.code).toBe('E_PEER_TIMEOUT');
    expect(failed.stats.framesReceived).toBe(0); // no NaN body was ever handed to the worker
    // The first copy and every retransmit that arrived before the worker gave up failed the MAC.
    expect(t0.stats().framesResent).toBeGreaterThanOrEqual(1);
    expect(failed.stats.dropped['bad-mac']).toBeGreaterThanOrEqual(1);
    expect(failed.stats.dropped['bad-mac']).toBeLessThanOrEqual(1 + t0.stats().framesResent);
    expect(await worker.exited).toBe(1);
  });

  it('only authentic answers keep a peer alive: forged pongs (a changed tag) are dropped, and the heartbeat loses the peer', async () => {
    const [port, dataPort] = [await freePort(), await freePort()];
    const forge = (direction: Direction, parts: Buffer[]): Buffer[][] => {
      const h = headerOf(parts);
      if (direction !== 'toClient' || h?.kind !== 'pong') return [parts];
      const tag = Buffer.from(parts[1]!);
      tag[0]! ^= 0x01;
      return [[parts[0]!, tag, parts[2]!]];
    };
    proxy = await startProxy(() => dataPort, { tamper: forge });
    const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `forge-${port}`, timeoutMs: 600_000, heartbeatMs: 200 };
    worker = startFixture('transport-worker.mjs', { mode: 'idle', connect: { ...connect, rank: 1, port: dataPort, advertise: `tcp://127.0.0.1:${proxy.port}` } }, { DTRAIN_SECRET: secret });
    const lost: string[] = [];
    t0 = await connectZmqTransport({ ...connect, rank: 0, secret, onPeerLost: (_peer, _why, cause) => lost.push(cause) });
    await worker.next('ready');
    const pending = t0.recv(1, 0, 0).catch((e: unknown) => e);
    const start = Date.now();
    expect(await pending).toMatchObject({ code: 'E_PEER_LOST', peer: 1 });
    expect(Date.now() - start).toBeLessThan(3000);
    expect(lost).toEqual(['heartbeat']);
    expect(t0.stats().dropped['bad-mac']).toBeGreaterThanOrEqual(3);
  });
});
