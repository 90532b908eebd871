import { afterEach, describe, expect, it } from 'vitest';
import { connectZmqTransport, init, type Transport } from '@dtrain/runtime';
import { zmqPair } from './helpers/zmq-pair.js';

describe('the --secure option', () => {
  it('init() refuses an unknown DTRAIN_SECURE before any work, naming the value and the choices', async () => {
    await expect(init({ env: { DTRAIN_SECURE: 'tls' }, backend: 'cpu' })).rejects.toMatchObject({
      code: 'E_WORKER_ENV',
      variable: 'DTRAIN_SECURE',
      message: expect.stringMatching(/DTRAIN_SECURE="tls" is not a protection mode; use one of mac, curve/),
    });
  });

  it('connectZmqTransport refuses an unknown mode', async () => {
    await expect(
      connectZmqTransport({ rank: 0, size: 1, rendezvous: '127.0.0.1:1', jobId: 'j', secret: 'secret-0123456789abc', secure: 'tls' as 'mac' }),
    ).rejects.toMatchObject({ code: 'E_TRANSPORT_ARGUMENT', message: expect.stringContaining("secure must be one of mac, curve; got 'tls'") });
  });
});

describe.each(['mac', 'curve'] as const)('the frame bound under --secure %s', (secure) => {
  let net: Transport[] = [];
  afterEach(async () => {
    await Promise.all(net.map((t) => t.close()));
    net = [];
  });

  it('a body of exactly maxElements floats crosses (ZeroMQ\'s part limit leaves room for the framing); one more is refused', async () => {
    const max = (1 << 20) + 1024; // what init() gives: the communicator's chunk and its slack
    net = await zmqPair(2, 'tcp', 10_000, { secure, maxElements: max });
    const [a, b] = net as [Transport, Transport];
    const body = Float32Array.from({ length: max }, (_, i) => i % 1000);
    await a.send(1, 0, 0, body);
    const got = await b.recv(0, 0, 0);
    expect(got.length).toBe(max);
    expect(got[max - 1]).toBe((max - 1) % 1000);
    await expect(a.send(1, 1, 0, new Float32Array(max + 1))).rejects.toMatchObject({ code: 'E_FRAME_TOO_LARGE' });
    expect(b.stats().dropped).toMatchObject({ oversized: 0, 'bad-mac': 0 });
  });
});
