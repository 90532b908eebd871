// `dtrain consensus --elastic` over real processes (docs/elastic.md, "Consensus over a
// changing membership"): a rank killed mid-way; the others install a membership from
// some round K and converge to xbar(K), the average of the live ranks' values at K.
// Build first: npx tsc -b packages/launcher.
import { describe, expect, it } from 'vitest';
import { startCli } from './job-helpers.js';

interface Change {
  round: number;
  members: number[];
  target: number[];
  value: number[];
}

describe('dtrain consensus --elastic', () => {
  it.each([['ring'], ['onepeer-exp']])('%s, 6 ranks, rank 2 killed at round 3: the survivors converge to the average of their values when the membership formed', async (topology) => {
    const r = await startCli(
      ['consensus', '--nodes', '6', '--topology', topology, '--rounds', '150', '--length', '40', '--seed', '5',
        '--kill-rank', '2', '--kill-round', '3', '--elastic', '--timeout', '20', '--json'],
      {},
    ).exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/rank 2 was killed by SIGKILL \(left the membership\)/);
    const out = JSON.parse(r.stdout) as { maxDeviation: number[]; ranks: number[]; changes: { rank: number; changes: Change[] }[]; initialAverage: number[] };
    expect(out.ranks).toEqual([0, 1, 3, 4, 5]);
    const last = out.changes.map((c) => c.changes[c.changes.length - 1]!);
    // Every survivor installed the same membership from the same round, with the same target ...
    for (const c of last) {
      expect(c.members).toEqual([0, 1, 3, 4, 5]);
      expect(c.round).toBe(last[0]!.round);
      expect(c.target).toEqual(last[0]!.target);
    }
    // ... which is exactly the mean of the values the survivors held then,
    const target = last[0]!.target;
    target.forEach((t, i) => expect(t).toBeCloseTo(last.reduce((s, c) => s + c.value[i]!, 0) / last.length, 12));
    // not the average of the starting vectors, which the dead rank's values were part of,
    expect(Math.max(...target.map((t, i) => Math.abs(t - out.initialAverage[i]!)))).toBeGreaterThan(1e-3);
    // and every survivor converges to it.
    expect(out.maxDeviation[out.maxDeviation.length - 1]).toBeLessThan(1e-5);
  }, 120_000);
});
