/**
 * One contract, every implementation: the same assertions over the
 * in-memory network and ZeroMQ over tcp:// and ipc://.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryNetwork, type Transport } from '@dtrain/runtime';
import { zmqPair } from './helpers/zmq-pair.js';

type Make = (timeoutMs: number) => Promise<Transport[]>;

const implementations: Array<[string, Make]> = [
  ['memory', async (timeoutMs) => createMemoryNetwork(3, { timeoutMs, jobId: 'contract' })],
  ['zmq tcp', (timeoutMs) => zmqPair(3, 'tcp', timeoutMs)],
  ['zmq ipc', (timeoutMs) => zmqPair(3, 'ipc', timeoutMs)],
];

function ramp(length: number, offset = 0): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = offset + i * 0.5;
  return out;
}

function firstMismatch(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe.each(implementations)('Transport contract: %s', (_name, make) => {
  let net: Transport[] = [];
  afterEach(async () => {
    await Promise.all(net.map((t) => t.close()));
    net = [];
  });

  it.each([0, 1, 100_000])('round-trips a body of %i floats and lets the sender reuse it', async (length) => {
    net = await make(5_000);
    const [a, b] = net as [Transport, Transport];
    const body = ramp(length, 3);
    const expected = body.slice();
    const received = b.recv(0, 7, 2);
    await a.send(1, 7, 2, body);
    body.fill(-1); // allowed as soon as send() resolved
    const got = await received;
    expect(got.length).toBe(length);
    expect(Array.from(got.subarray(0, 16))).toEqual(Array.from(expected.subarray(0, 16)));
    expect(firstMismatch(got, expected)).toBe(-1);
    expect(b.stats().framesReceived).toBe(1);
    expect(b.stats().bytesReceived).toBe(length * 4);
    expect(a.stats().framesSent).toBe(1);
    expect(a.stats().bytesSent).toBe(length * 4);
  });

  it('buffers frames of later iterations and tags apart, in order per key', async () => {
    net = await make(5_000);
    const [a, b] = net as [Transport, Transport];
    await a.send(1, 5, 0, Float32Array.of(5));
    await a.send(1, 4, 1, Float32Array.of(41));
    await a.send(1, 4, 0, Float32Array.of(40));
    await a.send(1, 4, 0, Float32Array.of(400));
    expect(Array.from(await b.recv(0, 4, 0))).toEqual([40]);
    expect(Array.from(await b.recv(0, 4, 0))).toEqual([400]);
    expect(Array.from(await b.recv(0, 4, 1))).toEqual([41]);
    expect(Array.from(await b.recv(0, 5, 0))).toEqual([5]);
  });

  it('keeps frames from different peers apart', async () => {
    net = await make(5_000);
    const [a, b, c] = net as [Transport, Transport, Transport];
    await Promise.all([a.send(2, 1, 0, Float32Array.of(0)), b.send(2, 1, 0, Float32Array.of(1))]);
    expect(Array.from(await c.recv(1, 1, 0))).toEqual([1]);
    expect(Array.from(await c.recv(0, 1, 0))).toEqual([0]);
  });

  it('drops buffered and later frames of finished iterations as stale', async () => {
    net = await make(5_000);
    const [a, b] = net as [Transport, Transport];
    await a.send(1, 1, 0, Float32Array.of(1));
    await a.send(1, 2, 0, Float32Array.of(2));
    b.finish(2);
    expect(b.stats().dropped['stale-iteration']).toBe(1);
    await a.send(1, 1, 0, Float32Array.of(1)); // late frame of a finished iteration
    await expect(b.recv(0, 1, 0)).rejects.toMatchObject({ code: 'E_TRANSPORT_STALE' });
    expect(Array.from(await b.recv(0, 2, 0))).toEqual([2]);
    expect(b.stats().dropped['stale-iteration']).toBe(2);
    expect(b.stats().framesReceived).toBe(2);
  });

  it('rejects a receive at its deadline, naming the peer, its address and the iteration', async () => {
    net = await make(5_000);
    const b = net[1]!;
    const error = await b.recv(2, 9, 0, { deadline: Date.now() + 150 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_PEER_TIMEOUT', peer: 2, iteration: 9, address: b.address(2) });
    expect(String((error as Error).message)).toContain(b.address(2));
  });

  it('uses the default timeout when no deadline is given', async () => {
    net = await make(1_000); // also the rendezvous deadline of the zmq transports: room for a loaded machine
    await expect(net[0]!.recv(1, 0, 0)).rejects.toMatchObject({ code: 'E_PEER_TIMEOUT', peer: 1 });
  });

  it('rejects bad arguments with E_TRANSPORT_ARGUMENT', async () => {
    net = await make(5_000);
    const a = net[0]!;
    await expect(a.send(0, 0, 0, new Float32Array(1))).rejects.toMatchObject({ code: 'E_TRANSPORT_ARGUMENT' });
    await expect(a.send(3, 0, 0, new Float32Array(1))).rejects.toMatchObject({ code: 'E_TRANSPORT_ARGUMENT' });
    await expect(a.recv(1, -1, 0)).rejects.toMatchObject({ code: 'E_TRANSPORT_ARGUMENT' });
    await expect(a.send(1, 0, 0.5, new Float32Array(1))).rejects.toMatchObject({ code: 'E_TRANSPORT_ARGUMENT' });
  });

  it('checks peers, and a closed peer fails pending receives with E_PEER_LOST', async () => {
    net = await make(10_000);
    const [a, b] = net as [Transport, Transport];
    await Promise.all([a.checkPeers([1, 2]), b.checkPeers([0]), net[2]!.checkPeers([0])]);
    const pending = a.recv(1, 3, 0);
    await b.close();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_PEER_LOST', peer: 1, iteration: 3 });
    await expect(a.checkPeers([1], { deadline: Date.now() + 1_000 })).rejects.toMatchObject({
      code: 'E_TRANSPORT_UNREACHABLE',
    });
  });

  it('a check waits for the peer to check back, and fails naming the pair when it never does', async () => {
    net = await make(5_000);
    const [a, b] = net as [Transport, Transport];
    const both = Promise.all([a.checkPeers([1]), new Promise((r) => setTimeout(r, 50)).then(() => b.checkPeers([0]))]);
    await expect(both).resolves.toBeDefined();
    const error = await a.checkPeers([2], { deadline: Date.now() + 300 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_TRANSPORT_UNREACHABLE' });
    expect((error as Error).message).toContain(`0<->2 (${a.address(2)})`);
  });

  it('limitFrames() refuses larger bodies from then on, never raises the limit, and rejects a bad limit', async () => {
    net = await make(5_000);
    const [a, b] = net as [Transport, Transport];
    await a.limitFrames(100);
    await a.limitFrames(1_000); // not raised
    await expect(a.send(1, 0, 0, new Float32Array(101))).rejects.toMatchObject({ code: 'E_FRAME_TOO_LARGE' });
    await a.send(1, 0, 0, ramp(100));
    expect(Array.from(await b.recv(0, 0, 0))).toEqual(Array.from(ramp(100)));
    await expect(a.limitFrames(0)).rejects.toMatchObject({ code: 'E_TRANSPORT_ARGUMENT' });
  });

  it('close() rejects pending receives and later calls, and is idempotent', async () => {
    net = await make(5_000);
    const a = net[0]!;
    const pending = a.recv(1, 0, 0);
    await a.close();
    await expect(pending).rejects.toMatchObject({ code: 'E_TRANSPORT_CLOSED' });
    await expect(a.send(1, 0, 0, new Float32Array(1))).rejects.toMatchObject({ code: 'E_TRANSPORT_CLOSED' });
    await expect(a.recv(1, 0, 0)).rejects.toMatchObject({ code: 'E_TRANSPORT_CLOSED' });
    await a.close();
  });
});
