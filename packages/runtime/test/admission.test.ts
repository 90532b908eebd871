/**
 * Who may connect: a worker process (rank 1) admits sockets from the job's
 * hosts only. Over loopback the job's host is 127.0.0.1; a socket bound to
 * 127.0.0.2 is refused before any frame it sends is read, and counted.
 * Runs the compiled dist/ (build first).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { connectZmqTransport, type Transport } from '@dtrain/runtime';
import { startFixture, stopFixture, type Fixture } from './helpers/spawn.js';
import { freePort } from '../../../test-utils/index.js';

const secret = 'admission-test-secret-0123456789';

describe('connections from outside the job', () => {
  let worker: Fixture | undefined;
  let t0: Transport | undefined;
  const sockets: Dealer[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await t0?.close();
    await stopFixture(worker);
  });

  it('are refused before any frame is read; the job\'s host gets through to the decoder', async () => {
    const port = await freePort();
    const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `admit-${port}`, timeoutMs: 20_000 };
    worker = startFixture('transport-worker.mjs', { mode: 'echo', connect: { ...connect, rank: 1 }, expectDropped: 2 }, { DTRAIN_SECRET: secret });
    t0 = await connectZmqTransport({ ...connect, rank: 0, secret });
    const ready = await worker.next('ready');
    const target = String(ready.address).replace('tcp://', '');
    const junk = [Buffer.from('not a frame'), Buffer.alloc(16), Buffer.alloc(8)];

    const outsider = new Dealer({ linger: 0 });
    sockets.push(outsider);
    outsider.connect(`tcp://127.0.0.2:0;${target}`); // source address 127.0.0.2: not a host of this job
    await outsider.send(junk);
    const insider = new Dealer({ linger: 0 });
    sockets.push(insider);
    insider.connect(`tcp://${target}`);
    await insider.send(junk);

    // The job still works, then the worker reports what it dropped.
    await t0.send(1, 0, 0, Float32Array.of(1, 2));
    expect(Array.from(await t0.recv(1, 0, 0))).toEqual([2, 4]);
    await t0.send(1, 1, 0, new Float32Array(0));
    const { stats } = (await worker.next('stats')) as { stats: { dropped: Record<string, number> } };
    expect(stats.dropped.refused).toBeGreaterThanOrEqual(1); // the outsider (ZeroMQ retries a refused handshake)
    expect(stats.dropped.malformed).toBe(1); // the insider's junk reached the decoder, the outsider's never did
    expect(await worker.exited).toBe(0);
  });
});
