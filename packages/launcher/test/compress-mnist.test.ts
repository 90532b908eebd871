/**
 * Compression on real MNIST training (the example's MLP, `dtrain launch`,
 * 4 processes over ZeroMQ, 80 steps; the n = 8, one-epoch figures are in
 * docs/benchmarks.md): int8 ends within 0.5 points of the same run in fp32,
 * for psgd (error feedback) and for dsgd with overlap (CHOCO-Gossip), and
 * sends the codec's share of the bytes. Build first: npx tsc -b packages/launcher.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, freePort, startCli, tempDir } from './job-helpers.js';

afterEach(cleanup);

const MNIST = fileURLToPath(new URL('../../../examples/mnist/train.mjs', import.meta.url));
const JOB = { STEPS: '80', BATCH: '32', EVAL_EVERY: '1000', EVAL_SAMPLES: '2000', LOG_EVERY: '1000' };

interface Summary {
  steps: number;
  finalAccuracy: number;
  compress?: string;
  ranks: { bytesSent: number }[];
}

async function train(flags: string[]): Promise<Summary> {
  const out = join(tempDir(), 'run');
  const run = startCli(['launch', '--nodes', '4', '--gpus', 'none', '--seed', '3', '--port', String(await freePort()), '--out', out, ...flags, MNIST], JOB);
  const exit = await run.exited;
  expect(exit.code, exit.stderr.slice(-3000)).toBe(0);
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
}

const bytes = (s: Summary): number => s.ranks.reduce((sum, r) => sum + r.bytesSent, 0);

describe('MNIST with --compress int8 (4 processes, 80 steps)', () => {
  it.each([
    [['--algorithm', 'psgd']],
    [['--algorithm', 'dsgd', '--topology', 'onepeer-exp', '--overlap']],
  ])('%j: within 0.5 points of fp32, with about a quarter of its bytes', async (flags) => {
    const fp32 = await train(flags);
    const int8 = await train([...flags, '--compress', 'int8']);
    expect(int8.compress).toBe('int8');
    expect(fp32.finalAccuracy).toBeGreaterThan(0.8);
    expect(Math.abs(int8.finalAccuracy - fp32.finalAccuracy)).toBeLessThanOrEqual(0.005);
    // The steps' data bytes and the uncompressed start-up broadcast and evaluation: between 0.25 and 0.3.
    expect(bytes(int8) / bytes(fp32)).toBeGreaterThan(0.25);
    expect(bytes(int8) / bytes(fp32)).toBeLessThan(0.3);
  }, 120_000);
});
