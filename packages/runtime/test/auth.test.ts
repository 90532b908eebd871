/**
 * The job secret gates everything: a process without it is refused at the
 * rendezvous and its frames are dropped as bad-mac, while an exchange
 * between the real ranks goes on unharmed. Runs the compiled dist/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectZmqTransport, type Transport } from '@dtrain/runtime';
import { startFixture, stopFixture, type Fixture } from './helpers/spawn.js';
import { freePort } from '../../../test-utils/index.js';

const secret = 'auth-test-secret-0123456789';
const FORGED = 300;

describe.each(['mac', 'curve'] as const)('job secret (secure: %s)', (secure) => {
  const curve = secure === 'curve';
  const started: Fixture[] = [];
  let t0: Transport | undefined;
  afterEach(async () => {
    await t0?.close();
    await Promise.all(started.splice(0).map(stopFixture));
  });

  it('refuses a process without the secret while an exchange goes on unharmed', async () => {
    const port = await freePort();
    const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `auth-${port}`, timeoutMs: 20_000, secure };
    const worker = startFixture(
      'transport-worker.mjs',
      { mode: 'echo', connect: { ...connect, rank: 1 }, expectDropped: curve ? 0 : FORGED },
      { DTRAIN_SECRET: secret },
    );
    started.push(worker);
    const early = startFixture('rogue.mjs', { connect: { ...connect, rank: 1 } });
    started.push(early);
    t0 = await connectZmqTransport({ ...connect, rank: 0, secret });
    const transport = t0;
    // Under CURVE a process without the secret cannot even finish the handshake: it hears nothing, not a refusal.
    const refusal = curve ? 'E_RENDEZVOUS_TIMEOUT' : 'E_RENDEZVOUS_REFUSED';
    expect(await early.next('join-failed')).toMatchObject({ code: refusal });

    const rogue = startFixture('rogue.mjs', { connect: { ...connect, rank: 1 }, target: transport.address(1), frames: FORGED });
    started.push(rogue);
    let rogueDone = false;
    void rogue.exited.then(() => (rogueDone = true));
    let iter = 0;
    for (; !rogueDone || iter < 10; iter++) {
      const body = Float32Array.from({ length: 512 }, (_, i) => i + iter);
      await transport.send(1, iter, 0, body);
      const echo = await transport.recv(1, iter, 0);
      expect(echo.every((x, i) => x === 2 * (i + iter) + iter)).toBe(true);
      transport.finish(iter + 1);
    }
    expect(await rogue.next('join-failed')).toMatchObject({ code: refusal });
    await transport.send(1, iter, 0, new Float32Array(0));
    const { stats } = (await worker.next('stats')) as { stats: { dropped: Record<string, number>; framesReceived: number } };
    // Without CURVE the forged frames reach the decoder and fail the MAC; with CURVE they never get through the handshake.
    expect(stats.dropped['bad-mac']).toBe(curve ? 0 : FORGED);
    expect(stats.framesReceived).toBe(iter + 1);
    expect(transport.stats().framesReceived).toBe(iter);
    // About 12 s under CURVE (two rogues wait out their 5 s rendezvous); room for a loaded machine.
  }, 150_000);
});
