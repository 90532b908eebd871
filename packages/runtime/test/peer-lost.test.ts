/** A peer whose process dies is reported as E_PEER_LOST long before the deadline. Runs the compiled dist/. */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { connectZmqTransport, type Transport } from '@dtrain/runtime';
import { startFixture, stopFixture, type Fixture } from './helpers/spawn.js';
import { freePort } from '../../../test-utils/index.js';

const secret = 'lost-test-secret-0123456789';

describe.each(['tcp', 'ipc'] as const)('killed peer over %s', (protocol) => {
  let worker: Fixture | undefined;
  let t0: Transport | undefined;
  let killedIpc: string | undefined;
  afterEach(async () => {
    await t0?.close();
    await stopFixture(worker);
    // A killed process cannot remove its own ipc file.
    if (killedIpc !== undefined) rmSync(killedIpc, { force: true });
  });

  it('rejects pending and later receives and sends with E_PEER_LOST, not at the deadline', async () => {
    const port = await freePort();
    // A deadline far beyond the test's own timeout: only loss detection can settle these in time.
    const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `lost-${port}`, timeoutMs: 600_000, protocol };
    worker = startFixture('transport-worker.mjs', { mode: 'idle', connect: { ...connect, rank: 1 } }, { DTRAIN_SECRET: secret });
    t0 = await connectZmqTransport({ ...connect, rank: 0, secret });
    await t0.checkPeers([]);
    const { address } = await worker.next('ready');
    if (String(address).startsWith('ipc://')) killedIpc = String(address).slice('ipc://'.length);
    const pending = t0.recv(1, 3, 0).catch((e: unknown) => e);
    await t0.send(1, 0, 0, new Float32Array(10)); // connected and answering
    worker.child.kill('SIGKILL');
    const error = await pending;
    expect(error).toMatchObject({ code: 'E_PEER_LOST', peer: 1, iteration: 3, address });
    expect((error as Error).message).toContain(String(address));
    await expect(t0.send(1, 4, 0, new Float32Array(1_000_000))).rejects.toMatchObject({ code: 'E_PEER_LOST', peer: 1 });
    await expect(t0.recv(1, 4, 0)).rejects.toMatchObject({ code: 'E_PEER_LOST', iteration: 4 });
  });
});

describe.each(['tcp', 'ipc'] as const)('stopped peer over %s (heartbeat)', (protocol) => {
  let worker: Fixture | undefined;
  let t0: Transport | undefined;
  afterEach(async () => {
    if (worker !== undefined) worker.child.kill('SIGCONT');
    await t0?.close();
    await stopFixture(worker);
  });

  it('a peer that is alive but silent (SIGSTOP) is lost after 5 heartbeat intervals, far before the deadline, with cause heartbeat', async () => {
    const port = await freePort();
    const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `stop-${port}`, timeoutMs: 600_000, protocol, heartbeatMs: 200 };
    worker = startFixture('transport-worker.mjs', { mode: 'idle', connect: { ...connect, rank: 1 } }, { DTRAIN_SECRET: secret });
    const lost: { peer: number; cause: string }[] = [];
    t0 = await connectZmqTransport({ ...connect, rank: 0, secret, onPeerLost: (peer, _why, cause) => lost.push({ peer, cause }) });
    await worker.next('ready');
    await t0.send(1, 0, 0, new Float32Array(10));
    // Idle and answering: several intervals go by and nothing is lost.
    await new Promise((r) => setTimeout(r, 1500));
    expect(lost).toEqual([]);
    const pending = t0.recv(1, 3, 0).catch((e: unknown) => e);
    const start = Date.now();
    worker.child.kill('SIGSTOP');
    const error = await pending;
    expect(Date.now() - start).toBeLessThan(3000);
    expect(error).toMatchObject({ code: 'E_PEER_LOST', peer: 1 });
    expect((error as Error).message).toMatch(/answered no heartbeat/);
    expect(lost).toEqual([{ peer: 1, cause: 'heartbeat' }]);
    expect(t0.lostReason(1)?.cause).toBe('heartbeat');
  });
});
