/**
 * `dtrain launch` refuses, before it starts any worker, what every worker
 * would fail on (the real CLI): exit 2, a message naming the flag and the
 * fix, no stack trace, and no output directory left behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../../../test-utils/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/dtrain.js', import.meta.url));
const dir = tempDir('dtrain-checks-');
afterAll(() => removeTempDirs());

function launch(...flags: string[]): { status: number | null; stderr: string; out: string } {
  const out = join(dir, `run-${flags.join('_').replace(/[^a-z0-9]/gi, '').slice(0, 40)}`);
  const r = spawnSync(process.execPath, [bin, 'launch', '--nodes', '2', '--example', 'mnist', '--out', out, ...flags], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, out };
}

describe('dtrain launch: values every worker would refuse, refused first', () => {
  it.each([
    [['--backend', 'nosuch'], /--backend: DTRAIN_BACKEND="nosuch" is not a backend; use one of auto, tensorflow, wasm, cpu/],
    [['--timeout', '0'], /--timeout: DTRAIN_TIMEOUT_MS=0 would fail every receive at once; use a positive number/],
    [['--job-id', 'j'.repeat(200)], /--job-id: DTRAIN_JOB_ID has 200 characters, more than 128/],
    [['--iface', 'nosuch0'], /--iface nosuch0: this machine has no such network interface; use one of .*lo/],
  ])('%j', (flags, message) => {
    const r = launch(...flags);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(r.out)).toBe(false);
  });

  it('an --out that is a file', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory\n');
    const r = spawnSync(process.execPath, [bin, 'launch', '--nodes', '2', '--example', 'mnist', '--out', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .*a-file is a file; name a directory/);
  });
});
