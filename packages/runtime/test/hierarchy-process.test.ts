import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Hierarchical gossip and allreduce over real processes and ZeroMQ sockets: `dtrain consensus`
// with emulated hosts (--local-size 2: ranks 2h and 2h+1 on host h). Spawns the compiled CLI:
// build first (`npx tsc -b packages/launcher`).
const cli = fileURLToPath(new URL('../../launcher/bin/dtrain.js', import.meta.url));

interface Run {
  readonly maxDeviation: number[];
  readonly crossHostBytesPerRound: number;
}

function consensus(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'consensus', ...args, '--local-size', '2', '--length', '1000', '--timeout', '90', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Run) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}

/** One float32 vector of the test's length, in bytes. */
const VECTOR = 1000 * 4;

describe('hierarchical schedules over real processes (4 emulated hosts of 2 ranks)', () => {
  it('hier:onepeer-exp averages exactly after log2(4) = 2 rounds; only the 4 leaders send across, one vector each per round', async () => {
    const hier = await consensus(['--nodes', '8', '--topology', 'hier:onepeer-exp', '--rounds', '3', '--seed', '3']);
    expect(hier.maxDeviation[0]).toBeGreaterThan(1e-2);
    expect(hier.maxDeviation[1]).toBeLessThanOrEqual(1e-6);
    expect(hier.maxDeviation[2]).toBeLessThanOrEqual(1e-6);
    expect(hier.crossHostBytesPerRound).toBe(4 * VECTOR);
    // Flat one-peer exp on the same ranks needs 3 rounds, and of its 8 sends per round 4, 8, 8 leave their host.
    const flat = await consensus(['--nodes', '8', '--topology', 'onepeer-exp', '--rounds', '3', '--seed', '3']);
    expect(flat.maxDeviation[1]).toBeGreaterThan(1e-2);
    expect(flat.maxDeviation[2]).toBeLessThanOrEqual(1e-6);
    expect(flat.crossHostBytesPerRound).toBeCloseTo((20 / 3) * VECTOR, 6);
  }, 120_000);

  it('the hierarchical allreduce is exact in one round and sends 2(M-1)/M of a vector per leader across, against the flat ring', async () => {
    const hier = await consensus(['--nodes', '8', '--topology', 'hier', '--op', 'allreduce', '--rounds', '1']);
    expect(hier.maxDeviation[0]).toBeLessThanOrEqual(1e-6);
    expect(hier.crossHostBytesPerRound).toBe(4 * ((2 * 3) / 4) * VECTOR);
    // Flat ring allreduce over 8 ranks: every rank sends 2(n-1)/n of a vector to its right neighbour,
    // which is on the next host for ranks 1, 3, 5, 7.
    const flat = await consensus(['--nodes', '8', '--topology', 'ring', '--op', 'allreduce', '--rounds', '1']);
    expect(flat.maxDeviation[0]).toBeLessThanOrEqual(1e-6);
    expect(flat.crossHostBytesPerRound).toBe(4 * ((2 * 7) / 8) * VECTOR);
  }, 120_000);
});
