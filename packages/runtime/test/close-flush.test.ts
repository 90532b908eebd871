/**
 * close() right after the last exchange must not cost the peer its last
 * acknowledgements: rank 0 closes at once while rank 1's frames of the last
 * round are still arriving and being acknowledged. Without the ordered close
 * (acks, then 'bye' on the same connection), rank 1 sees E_PEER_LOST on most
 * runs. Real processes over the compiled dist/ (`npx tsc -b packages/runtime`).
 */
import { describe, expect, it } from 'vitest';
import { startFixture, stopFixture, type Fixture } from './helpers/spawn.js';
import { freePort } from '../../../test-utils/index.js';

const secret = 'close-test-secret-0123456789';
const RUNS = 4;

async function runPair(protocol: 'tcp' | 'ipc'): Promise<Array<Record<string, unknown>>> {
  const port = await freePort();
  const connect = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `close-${port}`, protocol, timeoutMs: 20_000 };
  const ranks: Fixture[] = [0, 1].map((rank) =>
    startFixture('close-race.mjs', { connect: { ...connect, rank }, rounds: 3, frames: 64, floats: 1000 }, { DTRAIN_SECRET: secret }),
  );
  try {
    const codes = await Promise.all(ranks.map((r) => r.exited));
    const events = await Promise.all(ranks.map((r) => r.next('done').catch(() => r.next('error'))));
    return events.map((e, rank) => ({ ...e, exit: codes[rank], stderr: ranks[rank].stderr() }));
  } finally {
    await Promise.all(ranks.map((r) => stopFixture(r)));
  }
}

describe.each(['tcp', 'ipc'] as const)('close right after the last exchange over %s', (protocol) => {
  it(`leaves the peer's last sends acknowledged, ${RUNS} runs in a row`, async () => {
    for (let run = 0; run < RUNS; run++) {
      const outcome = await runPair(protocol);
      for (const rank of outcome) {
        expect(rank, `run ${run}: ${JSON.stringify(rank)}`).toMatchObject({ event: 'done', exit: 0 });
      }
    }
  }, 60_000);
});
