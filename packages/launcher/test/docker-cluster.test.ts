// One container per rank: docker/test-cluster.sh builds a registry-free base image, the CPU
// image from docker/Dockerfile.cpu, writes `dtrain compose --nodes 4`, runs it with a plain
// `up` (which returns once every rank has exited) and checks every rank's result. Runs only when a Docker engine
// answers `docker info` and compose is installed; then it takes minutes (image builds).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { finish } from './netns-helpers.js';

const SCRIPT = fileURLToPath(new URL('../../../docker/test-cluster.sh', import.meta.url));

function quiet(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 20_000 });
  } catch {
    return null;
  }
}

function dockerSkipReason(): string | null {
  if (quiet('docker', ['info']) === null) return '`docker info` gets no answer from a Docker engine';
  if (quiet('docker', ['compose', 'version']) === null && quiet('docker-compose', ['version']) === null) {
    return 'neither `docker compose` nor docker-compose is installed';
  }
  return null;
}

const skip = dockerSkipReason();

describe.skipIf(skip !== null)(`compose cluster in Docker${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it('4 containers from `dtrain compose` finish with agreeing results; nothing of the run is left', { timeout: 600_000 }, async () => {
    const tag = `dtrainvt${randomBytes(3).toString('hex')}`;
    const r = await finish(spawn('sh', [SCRIPT, '4'], { env: { ...process.env, TEST_TAG: tag }, stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ok: 4 ranks finished in containers, results agree');
    expect(quiet('docker', ['ps', '-a', '-q', '--filter', `name=${tag}`])?.trim()).toBe('');
    expect(quiet('docker', ['network', 'ls', '-q', '--filter', `name=${tag}`])?.trim()).toBe('');
    expect(quiet('docker', ['images', '-q', `*:*${tag}`])?.trim()).toBe('');
  });
});
