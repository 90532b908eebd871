/**
 * The exchange between real processes over ZeroMQ, as a training step uses
 * it: no frame in flight is read after the exchange returns (the caller
 * overwrites its vector at once and the peer still mixes the old values),
 * and receiving does not grow the process (RSS flat over 200 exchanges of
 * a ResNet-50-sized vector).
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runRanks, type RankRun } from './helpers/ranks.js';
import { RELEASE_EVERY_BYTES } from '../src/transport/release.js';

// Real processes; run `npx tsc -b packages/runtime` first (the fixture uses dist/).
const script = fileURLToPath(new URL('./fixtures/exchange-memory.mjs', import.meta.url));

interface Result {
  mismatches: number;
  firstMismatch: unknown;
  rss: number[];
  released: { bodies: number; bytes: number; scavenges: number };
  chunkFloats: number;
}

function result(run: RankRun): Result {
  expect(run.code, run.stderr).toBe(0);
  const r = run.records.find((x) => x.type === 'result');
  expect(r, run.stderr).toBeDefined();
  return r as unknown as Result;
}

describe('exchange between processes', () => {
  it.each(['tcp', 'ipc'])('over %s: the vector is the caller\'s again when exchange returns (overwritten at once, the peer mixed the old values)', async (transport) => {
    const floats = 6_000_000;
    const iterations = 12;
    const runs = await runRanks(script, 2, { floats, iterations, transport, check: true });
    for (const r of runs.map(result)) {
      expect(r.mismatches, JSON.stringify(r.firstMismatch)).toBe(0);
      // Every received chunk was released once after its combine, and a scavenge ran every 16 MiB of them (release.ts).
      const bytes = iterations * floats * 4;
      expect(r.released).toEqual({ bodies: iterations * Math.ceil(floats / r.chunkFloats), bytes, scavenges: Math.floor(bytes / RELEASE_EVERY_BYTES) });
    }
  }, 120_000);

  it('the receiving process does not grow: RSS flat over 200 exchanges of 97.7 MiB', async () => {
    const runs = await runRanks(script, 2, { floats: 25_600_000, iterations: 200, transport: 'tcp', check: false });
    for (const r of runs.map(result)) {
      expect(r.rss).toHaveLength(200);
      const peak = (from: number, to: number): number => Math.max(...r.rss.slice(from, to));
      // After the first exchanges have sized the heaps, the last 100 need no more memory than exchanges 20-100 did.
      expect(peak(100, 200)).toBeLessThanOrEqual(peak(20, 100) * 1.1 + 32 * 2 ** 20);
    }
  }, 240_000);
});
