import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Spawns the compiled CLI: build first (`npx tsc -b packages/launcher`).
const cli = fileURLToPath(new URL('../../launcher/bin/dtrain.js', import.meta.url));

function dtrain(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function deviations(args: string[]): Promise<number[]> {
  const run = await dtrain(['consensus', ...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  const out = JSON.parse(run.stdout) as { maxDeviation: number[] };
  return out.maxDeviation;
}

describe('dtrain consensus', () => {
  it('reaches the exact average after log2 n rounds of one-peer exponential (n = 8)', async () => {
    const d = await deviations(['--nodes', '8', '--topology', 'onepeer-exp', '--rounds', '4', '--seed', '5']);
    expect(d).toHaveLength(4);
    expect(d[1]).toBeGreaterThan(1e-2);
    expect(d[2]).toBeLessThanOrEqual(1e-6);
    expect(d[3]).toBeLessThanOrEqual(1e-6);
  });

  it('converges more slowly on a ring, never increasing the largest deviation (ipc)', async () => {
    const d = await deviations(['--nodes', '6', '--topology', 'ring', '--rounds', '12', '--transport', 'ipc']);
    d.slice(1).forEach((v, k) => expect(v).toBeLessThanOrEqual(d[k] + 1e-7));
    expect(d[11]).toBeLessThan(d[0] / 4);
    expect(d[11]).toBeGreaterThan(1e-4);
  });

  it('reaches the average with push-sum on a column-stochastic digraph', async () => {
    const d = await deviations(['--nodes', '4', '--topology', 'digraph-skewed', '--rounds', '40']);
    expect(d[0]).toBeGreaterThan(1e-2);
    expect(d[39]).toBeLessThan(1e-5);
  });

  it('makes the other ranks fail by themselves, naming the rank that was killed mid-run', async () => {
    const run = await dtrain([
      'consensus', '--nodes', '3', '--topology', 'ring', '--rounds', '5',
      '--timeout', '3', '--kill-rank', '2', '--kill-round', '2',
    ]);
    expect(run.code).toBe(1);
    for (const rank of [0, 1]) {
      expect(run.stderr).toMatch(new RegExp(`rank ${rank} failed: E_PEER_(LOST|TIMEOUT) \\(peer rank 2\\)`));
      // Code 1 is their own failure; a rank stopped by the launcher would exit 143 or die by a signal.
      expect(run.stderr).toContain(`rank ${rank} exited with code 1`);
    }
    expect(run.stderr).toContain('rank 2 was killed by SIGKILL');
  });
});
