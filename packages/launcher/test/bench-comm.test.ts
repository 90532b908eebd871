// `dtrain bench comm` helpers (medians and paired ratios) and the malloc
// settings every spawner hands its workers.
import { describe, expect, it } from 'vitest';
import { median, pairedRatio, slowestMedian, slowestPerIteration } from '../src/commands/bench.js';
import { MALLOC_TUNABLES } from '../src/constants.js';
import { startJob } from '../src/spawn.js';
import type { ProcessSpec } from '../src/plan.js';

describe('bench statistics', () => {
  it('takes the slowest rank of each iteration, then the median', () => {
    const perRank = [
      [10, 50, 30],
      [20, 40, 35],
    ];
    expect(slowestPerIteration(perRank)).toEqual([20, 50, 35]);
    expect(slowestMedian(perRank)).toBe(35);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('pairs each communicator iteration with the raw one next to it', () => {
    // A load burst in iteration 1 slows both sides: its ratio stays 2.
    const op = [[20, 200, 22]];
    const raw = [[10, 100, 10]];
    expect(pairedRatio(op, raw)).toBe(2);
    // The ratio of the medians would mix iterations: 22 / 10.
    expect(slowestMedian(op) / slowestMedian(raw)).toBeCloseTo(2.2);
  });
});

function printEnvSpec(): ProcessSpec {
  return {
    rank: 0,
    localRank: 0,
    host: 'localhost',
    remote: false,
    command: process.execPath,
    args: ['-e', 'process.stdout.write(String(process.env.GLIBC_TUNABLES))'],
    env: {},
    cwd: process.cwd(),
    logPath: '/dev/null',
  };
}

async function tunablesSeen(baseEnv: NodeJS.ProcessEnv): Promise<string> {
  const lines: string[] = [];
  const job = startJob([printEnvSpec()], { graceMs: 1_000, baseEnv, onLine: (_rank, _stream, line) => lines.push(line) });
  const outcome = await job.done;
  expect(outcome.kind).toBe('succeeded');
  return lines.join('');
}

describe('worker malloc settings', () => {
  it('dtrain launch gives workers MALLOC_TUNABLES when the user set none', async () => {
    const { GLIBC_TUNABLES: _drop, ...env } = process.env;
    expect(await tunablesSeen(env)).toBe(MALLOC_TUNABLES);
  });

  it("keeps the user's own GLIBC_TUNABLES", async () => {
    expect(await tunablesSeen({ ...process.env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toBe('glibc.malloc.arena_max=2');
  });
});
