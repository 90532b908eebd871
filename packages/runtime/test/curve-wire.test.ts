/**
 * What crosses the wire: a proxy records every byte of rank 1's rendezvous
 * and of rank 0's data connection to rank 1 (a real process). Under 'mac'
 * the job id and the msgpack header keys are there in the clear (so the
 * capture does see the traffic); under 'curve' none of them, nor a body, is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pack } from 'msgpackr';
import { connectZmqTransport, type Transport } from '@dtrain/runtime';
import { startFixture, stopFixture, type Fixture } from './helpers/spawn.js';
import { startProxy, type Proxy } from './helpers/tcp-proxy.js';
import { freePort } from '../../../test-utils/index.js';

const secret = 'curve-wire-secret-0123456789';

/** Byte strings a plaintext header or body would show. */
function plaintextMarks(jobId: string): Buffer[] {
  const body = Buffer.from(Float32Array.from({ length: 8 }, (_, i) => 1000.5 + i).buffer);
  return [Buffer.from(jobId), pack('inst'), pack('kind'), pack('dtype'), body];
}

describe.each(['mac', 'curve'] as const)('the wire under --secure %s', (secure) => {
  let worker: Fixture | undefined;
  let t0: Transport | undefined;
  const proxies: Proxy[] = [];
  afterEach(async () => {
    await t0?.close();
    await stopFixture(worker);
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  it(secure === 'curve' ? 'carries no plaintext header, job id or body' : 'carries the header in the clear (control)', async () => {
    const [port, dataPort] = [await freePort(), await freePort()];
    const rendezvous = await startProxy(() => port, { parse: false });
    const data = await startProxy(() => dataPort, { parse: false });
    proxies.push(rendezvous, data);
    const jobId = `wire-${secure}-${port}`;
    const connect = { size: 2, jobId, timeoutMs: 20_000, secure };
    worker = startFixture(
      'transport-worker.mjs',
      {
        mode: 'echo',
        connect: { ...connect, rank: 1, rendezvous: `127.0.0.1:${rendezvous.port}`, port: dataPort, advertise: `tcp://127.0.0.1:${data.port}` },
      },
      { DTRAIN_SECRET: secret },
    );
    t0 = await connectZmqTransport({ ...connect, rank: 0, rendezvous: `127.0.0.1:${port}`, secret });
    for (let iter = 0; iter < 3; iter++) {
      const body = Float32Array.from({ length: 64 }, (_, i) => 1000.5 + (i % 8));
      await t0.send(1, iter, 0, body);
      expect((await t0.recv(1, iter, 0))[0]).toBe(2 * 1000.5 + iter);
      t0.finish(iter + 1);
    }
    await t0.send(1, 3, 0, new Float32Array(0));
    expect(await worker.exited).toBe(0);

    const wire = Buffer.concat([
      rendezvous.captured('toServer'), rendezvous.captured('toClient'), data.captured('toServer'), data.captured('toClient'),
    ]);
    expect(data.captured('toServer').length).toBeGreaterThan(3 * 64 * 4);
    expect(rendezvous.captured('toServer').length).toBeGreaterThan(0);
    const found = plaintextMarks(jobId).map((mark) => wire.includes(mark));
    expect(found).toEqual(secure === 'curve' ? [false, false, false, false, false] : [true, true, true, true, true]);
  });
});
