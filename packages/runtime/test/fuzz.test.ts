/**
 * 10,000 bad frames thrown from a raw ZeroMQ socket at a worker process:
 * every one is dropped and counted by its reason, and a real frame
 * afterwards still gets through. Runs the compiled dist/ (build first).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { connectZmqTransport, DEFAULT_MAX_ELEMENTS, type Transport } from '@dtrain/runtime';
import { badFrames, countByReason } from './helpers/fuzz-frames.js';
import { startFixture, stopFixture, type Fixture } from './helpers/spawn.js';
import { freePort } from '../../../test-utils/index.js';

const secret = 'fuzz-test-secret-0123456789';
const COUNT = 10_000;

describe('a worker under a flood of bad frames', () => {
  let worker: Fixture | undefined;
  let t0: Transport | undefined;
  let raw: Dealer | undefined;
  afterEach(async () => {
    raw?.close();
    await t0?.close();
    await stopFixture(worker);
  });

  it('drops and counts all 10,000 by reason, then still takes a real frame', async () => {
    const port = await freePort();
    const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `fuzz-${port}`, timeoutMs: 20_000 };
    worker = startFixture('transport-worker.mjs', { mode: 'echo', connect: { ...connect, rank: 1 }, expectDropped: COUNT }, { DTRAIN_SECRET: secret });
    t0 = await connectZmqTransport({ ...connect, rank: 0, secret });
    await worker.next('ready');

    const frames = badFrames({ job: connect.jobId, secret, rank: 1, size: 2, maxElements: DEFAULT_MAX_ELEMENTS }, COUNT, 11);
    raw = new Dealer({ linger: 1_000 });
    raw.connect(t0.address(1));
    for (const f of frames) await raw.send(f.parts);

    const body = Float32Array.from({ length: 1_000 }, (_, i) => i);
    await t0.send(1, 0, 0, body);
    const echo = await t0.recv(1, 0, 0);
    expect(echo[999]).toBe(2 * 999);
    expect(echo.every((x, i) => x === 2 * i)).toBe(true);
    await t0.send(1, 1, 0, new Float32Array(0));

    const { stats } = (await worker.next('stats')) as { stats: { dropped: Record<string, number>; framesReceived: number } };
    expect(stats.dropped).toEqual(countByReason(frames));
    expect(stats.framesReceived).toBe(2);
    expect(await worker.exited).toBe(0);
  });
});
