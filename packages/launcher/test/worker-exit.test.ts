// `dtrain worker` runs the script in its own process: when the script fails it must end
// the process (exit 1, the error on stderr) like `node SCRIPT` does, even with handles
// still open; otherwise an engine (torchrun, srun, Kubernetes) would wait on a dead rank.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, finish } from './netns-helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fail-open.mjs', import.meta.url));
const CONTRACT = {
  DTRAIN_RANK: '1', DTRAIN_WORLD_SIZE: '2', DTRAIN_RENDEZVOUS: '127.0.0.1:29990',
  DTRAIN_JOB_ID: 'worker-exit', DTRAIN_SECRET: 'e'.repeat(32),
};

describe('dtrain worker when the script fails', () => {
  it('exits 1 with the script\'s error although a timer keeps the event loop alive', async () => {
    const child = spawn(process.execPath, [BIN, 'worker', FIXTURE], { env: { ...process.env, ...CONTRACT }, stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const r = await finish(child);
    clearTimeout(killer);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rank 1 gave up: E_PEER_LOST (fixture)');
  });
});
