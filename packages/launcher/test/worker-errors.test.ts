// A worker that fails says so in one line, `E_CODE: message`, and exits 1, on every backend
// (the wasm backend re-throws uncaught errors, which would exit 7 with a trace into its
// bundle); and `--gpus` ids this machine lacks stop the launcher before it starts anything.
// Real jobs: the fit fixture under `dtrain launch` and `dtrain worker`. Build first: npx tsc -b packages/launcher.
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backendsUnderTest, noteNativeSkip } from '../../runtime/test/helpers/native.js';
import { FIT_FIXTURE, cleanup, freePort, startCli, startWorkers, tempDir } from './job-helpers.js';

afterEach(cleanup);

/** `node script` with extra variables and none of a launcher's; its exit code and stderr. */
function runNode(script: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DTRAIN_')));
  const child = spawn(process.execPath, [script], { env: { ...clean, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}
noteNativeSkip('worker errors on the tensorflow backend');

/** What rank `r` wrote on stderr, from the launcher's DIR/rank-<r>.ndjson. */
function stderrOf(out: string, rank: number): string[] {
  return readFileSync(join(out, `rank-${rank}.ndjson`), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { stream?: string; msg?: unknown })
    .filter((r) => r.stream === 'stderr')
    .map((r) => String(r.msg));
}

describe('a worker that fails', () => {
  it.each(backendsUnderTest(['cpu', 'wasm']))('exits 1 with one line E_CODE: message on %s', async (backend) => {
    const out = tempDir();
    const port = await freePort();
    const r = await startCli(
      ['launch', '--nodes', '2', '--gpus', 'none', '--backend', backend, '--port', String(port), '--out', out, FIT_FIXTURE],
      { FIXTURE_THROW: 'step', FIXTURE_THROW_RANK: '1', CKPT_EVERY: '0', STEPS: '20' },
    ).exited;
    expect(r.code, r.stderr).toBe(1);
    // Rank 1 fails; rank 0 then loses its peer (E_PEER_LOST) and may be the first the launcher sees exit.
    expect(r.stderr).toMatch(/rank [01] exited with code 1/);
    const lines = stderrOf(out, 1);
    expect(lines).toContain('E_TRAIN_OPTION: fixture: rank 1 gives up on purpose');
    expect(lines.filter((l) => /^\s+at |tf-backend-wasm/.test(l))).toEqual([]);
    expect(r.stderr).not.toMatch(/^\s*(\[\d+\] )?\s+at /m);
    // One process on its own (`node SCRIPT`): the exit code is the failure's, 1 (the wasm backend's handlers made it 7).
    const alone = await runNode(FIT_FIXTURE, { DTRAIN_BACKEND: backend, FIXTURE_THROW: 'step', CKPT_EVERY: '0' });
    expect(alone.code).toBe(1);
    expect(alone.stderr.split('\n').filter((l) => l.startsWith('E_'))).toEqual(['E_TRAIN_OPTION: fixture: rank 0 gives up on purpose']);
    expect(alone.stderr).not.toMatch(/^\s+at |tf-backend-wasm/m);
  }, 90_000);

  it('under `dtrain worker`, checkpoints of another run stop every rank with one line, none waiting', async () => {
    const out = tempDir();
    const first = await Promise.all((await startWorkers(2, FIT_FIXTURE, () => ({ DTRAIN_OUT: out, STEPS: '10' }))).map((w) => w.exited));
    expect(first.map((e) => e.code), first.map((e) => e.stderr).join('\n')).toEqual([0, 0]);
    const again = await Promise.all(
      (await startWorkers(2, FIT_FIXTURE, () => ({ DTRAIN_OUT: out, STEPS: '10', DTRAIN_ALGORITHM: 'psgd' }))).map((w) => w.exited),
    );
    expect(again.map((e) => e.code)).toEqual([1, 1]);
    for (const e of again) {
      const errLines = e.stderr.split('\n').filter((l) => l.startsWith('E_'));
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(/^E_CHECKPOINT_MISMATCH: .*--resume never.*another --out/);
      expect(e.stderr).not.toMatch(/^\s+at /m);
    }
  }, 90_000);
});

describe('--gpus on this machine', () => {
  /** A PATH whose nvidia-smi lists `ids` (none: it fails, as on a machine without a driver). */
  function fakeSmi(ids: number[]): string {
    const dir = tempDir();
    const body = ids.length === 0 ? 'echo "NVIDIA-SMI has failed" >&2; exit 9' : `printf '${ids.join('\\n')}\\n'`;
    writeFileSync(join(dir, 'nvidia-smi'), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, 'nvidia-smi'), 0o755);
    return `${dir}:${process.env.PATH ?? ''}`;
  }

  it.each([
    [[], '0,0', /--gpus 0,0: nvidia-smi reports no GPU.*--gpus none --nodes 2/],
    [[0, 1], '0,3', /--gpus 0,3: this machine has no GPU 3 \(nvidia-smi reports 0, 1\)/],
  ])('with GPUs %j, --gpus %s is exit 2 naming the flag and the fix', async (ids, list, message) => {
    const out = join(tempDir(), 'run');
    const r = await startCli(['launch', '--gpus', list, '--out', out, FIT_FIXTURE], { PATH: fakeSmi(ids) }).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);
});
