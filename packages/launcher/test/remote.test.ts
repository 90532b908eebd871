// --env and --ssh-* for `dtrain launch`: parsed and checked before any worker starts,
// carried to local ranks' environment and into remote ranks' ssh command lines.
import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from '@dtrain/runtime';
import { UsageError } from '../src/errors.js';
import type { LaunchOptionsRaw } from '../src/options.js';
import { plan } from '../src/plan.js';
import { parseEnvFlags, sshOptions } from '../src/remote.js';
import { resolveLaunch, type ResolveIO } from '../src/resolve.js';

const FILES = new Set(['/w/train.mjs', '/w/keys/id', '/w/ssh.cfg']);

function io(over: Partial<ResolveIO> = {}): ResolveIO {
  return {
    cwd: '/w', now: new Date(2024, 0, 2), hostname: 'here', nodeBin: '/usr/bin/node', examplesDir: '/repo/examples',
    isFile: (p) => FILES.has(p), readFile: () => '', listDir: () => [], detectGpus: () => [],
    randomHex: (n) => 'cd'.repeat(n), env: { NCCL_DEBUG: 'INFO' }, ...over,
  };
}

function raw(over: Partial<LaunchOptionsRaw> = {}): LaunchOptionsRaw {
  return { algorithm: 'dsgd', topology: 'ring', seed: '0', port: '29600', timeout: '60', grace: '10', ...over };
}

function usageMessage(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('--env', () => {
  it('NAME=VALUE sets, NAME forwards the launcher\'s value; "=" may appear in the value', () => {
    expect(parseEnvFlags(['A=1', 'NCCL_DEBUG', 'B=x=y', 'C='], { NCCL_DEBUG: 'WARN' })).toEqual({ A: '1', NCCL_DEBUG: 'WARN', B: 'x=y', C: '' });
  });

  it('refuses bad names, DTRAIN_* and forwarding an unset variable, naming each', () => {
    expect(usageMessage(() => parseEnvFlags(['1A=2'], {}))).toContain('"1A" is not a variable name');
    expect(usageMessage(() => parseEnvFlags(['DTRAIN_RANK=3'], {}))).toContain('DTRAIN_RANK');
    expect(usageMessage(() => parseEnvFlags(['MISSING'], {}))).toContain('--env MISSING forwards');
  });

  it('reaches local ranks in their env and remote ranks in the ssh command; the contract wins', () => {
    const { config } = resolveLaunch('train.mjs', [], raw({ hosts: 'here:1,far:1', env: ['STEPS=40', 'NCCL_DEBUG'] }), io());
    const [local, remote] = plan(config);
    expect(local.env).toMatchObject({ STEPS: '40', NCCL_DEBUG: 'INFO' });
    expect(readWorkerEnv(local.env).rank).toBe(0);
    const line = remote.args[remote.args.length - 1];
    expect(line).toContain(' STEPS=40 ');
    expect(line).toContain(' NCCL_DEBUG=INFO ');
  });
});

describe('--ssh-port, --ssh-identity-file, --ssh-config', () => {
  it('go before the host name, as ssh expects, with files made absolute', () => {
    const { config } = resolveLaunch('train.mjs', [], raw({ hosts: 'far:2', sshPort: '2222', sshIdentityFile: 'keys/id', sshConfig: '/w/ssh.cfg' }), io());
    const specs = plan(config);
    expect(specs[0].args.slice(0, 10)).toEqual(['-tt', '-o', 'BatchMode=yes', '-F', '/w/ssh.cfg', '-p', '2222', '-i', '/w/keys/id', 'far']);
    expect(sshOptions({})).toEqual(['-tt', '-o', 'BatchMode=yes']);
  });

  it('a missing file, a bad port, or ssh flags with only local ranks are usage errors', () => {
    expect(usageMessage(() => resolveLaunch('train.mjs', [], raw({ hosts: 'far:1', sshConfig: 'nope.cfg' }), io()))).toContain('--ssh-config "nope.cfg" not found (looked at /w/nope.cfg)');
    expect(usageMessage(() => resolveLaunch('train.mjs', [], raw({ hosts: 'far:1', sshPort: '70000' }), io()))).toContain('--ssh-port "70000"');
    expect(usageMessage(() => resolveLaunch('train.mjs', [], raw({ nodes: '2', sshPort: '22' }), io()))).toContain('only apply to ranks started over ssh');
  });
});
