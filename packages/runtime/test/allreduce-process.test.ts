import { describe, expect, it } from 'vitest';
import { distScript, runRanks, type RankRun } from './helpers/ranks.js';

// Real processes over ZeroMQ; run `npx tsc -b packages/runtime` first (the test uses dist/).
const script = distScript('check-worker.js');

function result(run: RankRun): Record<string, unknown> {
  expect(run.code, run.stderr).toBe(0);
  const r = run.records.find((x) => x.type === 'result');
  expect(r, run.stderr).toBeDefined();
  return r!;
}

describe('ring allreduce between processes', () => {
  it.each([
    [2, 'tcp'],
    [3, 'ipc'],
    [5, 'tcp'],
  ])('equals the exact sum for n = %i over %s, for lengths shorter than n and not divisible by n', async (n, transport) => {
    const lengths = [1, n - 1, n + 1, 1001];
    const runs = await runRanks(script, n, { lengths, seed: 4, transport, iterations: 0 });
    const results = runs.map(result);
    for (const r of results) {
      (r.allreduceError as number[]).forEach((e) => expect(e).toBeLessThan(1e-5));
      expect(r.checksums).toEqual(results[0].checksums);
    }
  });
});

describe('neighbour exchange between processes', () => {
  it('keeps iterations apart when one rank sleeps before every exchange', async () => {
    const runs = await runRanks(script, 4, { lengths: [], seed: 2, iterations: 6, slowRank: 1, slowMs: 40 });
    for (const r of runs.map(result)) expect(r.exchangeError as number).toBeLessThan(1e-5);
  });
});
