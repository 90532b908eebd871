import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from '@dtrain/runtime';
import { UsageError } from '../src/errors.js';
import { parseHostfile, parseHostList } from '../src/hosts.js';
import type { LaunchOptionsRaw } from '../src/options.js';
import { plan, shellQuote, type ProcessSpec } from '../src/plan.js';
import { resolveLaunch, uniformLocalSize, type ResolveIO } from '../src/resolve.js';

const FILES = new Set(['/w/train.mjs', '/repo/examples/mnist/train.mjs', '/repo/examples/cifar/index.js', '/w/hosts.txt']);

function io(over: Partial<ResolveIO> = {}): ResolveIO {
  return {
    cwd: '/w',
    now: new Date(2024, 0, 2, 3, 4, 5),
    hostname: 'here',
    nodeBin: '/usr/bin/node',
    examplesDir: '/repo/examples',
    isFile: (p) => FILES.has(p),
    readFile: () => '# two machines\nhere slots=2\nfar:2\n',
    listDir: () => ['mnist', 'cifar', 'empty'],
    detectGpus: () => [],
    randomHex: (n) => 'ab'.repeat(n),
    ...over,
  };
}

function raw(over: Partial<LaunchOptionsRaw> = {}): LaunchOptionsRaw {
  return { algorithm: 'dsgd', topology: 'ring', seed: '0', port: '29600', timeout: '60', grace: '10', ...over };
}

function usage(f: () => unknown): UsageError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe('E_USAGE');
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('plan on one machine', () => {
  it('--gpus 0,1,3: one process each, its own CUDA_VISIBLE_DEVICES, ranks 0..2 in the contract', () => {
    const { config } = resolveLaunch('train.mjs', ['--lr', '0.1'], raw({ gpus: '0,1,3' }), io({ detectGpus: () => [0, 1, 2, 3] }));
    const specs = plan(config);
    expect(specs.map((s) => s.env.CUDA_VISIBLE_DEVICES)).toEqual(['0', '1', '3']);
    specs.forEach((s, i) => {
      expect(s).toMatchObject({ rank: i, localRank: i, remote: false, command: '/usr/bin/node', args: ['/w/train.mjs', '--lr', '0.1'] });
      const env = readWorkerEnv(s.env);
      expect(env).toMatchObject({ rank: i, worldSize: 3, rendezvous: { host: '127.0.0.1', port: 29600 }, options: { algorithm: 'dsgd', topology: 'ring', seed: 0 } });
      expect(s.logPath).toBe(`${config.out}/rank-${i}.ndjson`);
    });
  });

  it('defaults: every detected GPU, out dir runs/<timestamp>-<algo>-<topo>', () => {
    const { config } = resolveLaunch('train.mjs', [], raw({ topology: 'exponential' }), io({ detectGpus: () => [0, 1] }));
    expect(config.nodes).toBe(2);
    expect(config.out).toBe('/w/runs/20240102-030405-dsgd-exponential');
  });

  it('--secure reaches every rank as DTRAIN_SECURE; mac when not given', () => {
    const modes = (over: Parameters<typeof raw>[0]): (string | undefined)[] =>
      plan(resolveLaunch('train.mjs', [], raw({ nodes: '2', ...over }), io()).config).map((s) => readWorkerEnv(s.env).options.secure);
    expect(modes({})).toEqual(['mac', 'mac']);
    expect(modes({ secure: 'curve' })).toEqual(['curve', 'curve']);
  });

  it('without GPUs --nodes N gives N CPU processes with GPUs hidden', () => {
    const specs = plan(resolveLaunch('train.mjs', [], raw({ nodes: '4' }), io()).config);
    expect(specs).toHaveLength(4);
    expect(specs.every((s) => s.env.CUDA_VISIBLE_DEVICES === '')).toBe(true);
  });

  it('--example NAME resolves examples/NAME/<entry>', () => {
    expect(resolveLaunch(undefined, [], raw({ nodes: '2', example: 'cifar' }), io()).config.script).toBe('/repo/examples/cifar/index.js');
    const e = usage(() => resolveLaunch(undefined, [], raw({ nodes: '2', example: 'imagenet' }), io()));
    expect(e.message).toContain('cifar, mnist');
    expect(e.message).not.toContain('empty');
  });

  it.each([
    ['no GPU and no --nodes', raw(), /--nodes is required/],
    ['--nodes disagrees with --gpus', raw({ nodes: '3', gpus: '0,1' }), /--nodes 3 does not match --gpus 0,1/],
    ['more nodes than detected GPUs', raw({ nodes: '3' }), /--nodes 3 but nvidia-smi reports 2 GPUs/],
    ['bad GPU id', raw({ gpus: '0,x' }), /"x" is not a GPU index/],
    ['port out of range', raw({ nodes: '2', port: '0' }), /--port "0"/],
    ['bad timeout', raw({ nodes: '2', timeout: 'soon' }), /--timeout "soon"/],
  ])('%s is a usage error naming the value', (_name, options, message) => {
    expect(usage(() => resolveLaunch('train.mjs', [], options, io({ detectGpus: () => (options.nodes === '3' && !options.gpus ? [0, 1] : []) }))).message).toMatch(message);
  });

  it('--gpus ids this machine lacks are a usage error naming the flag and the fix', () => {
    const none = usage(() => resolveLaunch('train.mjs', [], raw({ gpus: '0,0' }), io()));
    expect(none.message).toMatch(/^--gpus 0,0: nvidia-smi reports no GPU.*--gpus none --nodes 2/);
    const two = usage(() => resolveLaunch('train.mjs', [], raw({ gpus: '1,5,5' }), io({ detectGpus: () => [0, 1] })));
    expect(two.message).toMatch(/^--gpus 1,5,5: this machine has no GPU 5 \(nvidia-smi reports 0, 1\)/);
    // Repeats of ids it has share that GPU.
    expect(resolveLaunch('train.mjs', [], raw({ gpus: '1,1' }), io({ detectGpus: () => [0, 1] })).config.gpus).toEqual([1, 1]);
  });

  it('a missing script is a usage error naming the path', () => {
    expect(usage(() => resolveLaunch('nope.mjs', [], raw({ nodes: '2' }), io())).message).toContain('/w/nope.mjs');
  });

  it('a topology that does not fit the node count is a usage error', () => {
    const checkTopology = (name: string, n: number): void => {
      if (n % 2 === 1) throw new Error(`${name} needs an even node count, got ${n}`);
    };
    expect(usage(() => resolveLaunch('train.mjs', [], raw({ nodes: '3', topology: 'torus' }), io({ checkTopology }))).message).toMatch(/--topology torus with 3 nodes: .*got 3/);
    expect(resolveLaunch('train.mjs', [], raw({ nodes: '4' }), io({ checkTopology })).config.nodes).toBe(4);
  });
});

/** The contract a spec hands over: its env, or the VAR=value words of its ssh command. */
function envOf(spec: ProcessSpec): Record<string, string> {
  if (!spec.remote) return spec.env;
  const words = spec.args[4].split(' ').filter((w) => /^[A-Z_]+=/.test(w));
  return Object.fromEntries(words.map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
}

describe('plan over several hosts', () => {
  it('fills host slots in rank order; local host spawned directly, others through ssh env ... node', () => {
    const { config } = resolveLaunch('train.mjs', ["it's"], raw({ hosts: 'here:2,far:2', gpus: '0,1' }), io());
    const specs = plan(config);
    expect(specs.map((s) => [s.rank, s.localRank, s.host, s.remote])).toEqual([
      [0, 0, 'here', false], [1, 1, 'here', false], [2, 0, 'far', true], [3, 1, 'far', true],
    ]);
    expect(readWorkerEnv(specs[1].env).rendezvous.host).toBe('here');
    const ssh = specs[3];
    expect(ssh.command).toBe('ssh');
    expect(ssh.args.slice(0, 4)).toEqual(['-tt', '-o', 'BatchMode=yes', 'far']);
    const remote = ssh.args[4];
    expect(remote).toMatch(/^cd \/w && exec env /);
    expect(remote).toContain('DTRAIN_RANK=3 ');
    expect(remote).toContain('DTRAIN_RENDEZVOUS=here:29600');
    expect(remote).toContain('CUDA_VISIBLE_DEVICES=1 ');
    expect(remote.endsWith(`node /w/train.mjs 'it'\\''s'`)).toBe(true);
  });

  it('--nodes below the slot count uses the first slots; above it is a usage error', () => {
    expect(plan(resolveLaunch('train.mjs', [], raw({ hosts: 'a:4,b:4', nodes: '5' }), io()).config).map((s) => s.host)).toEqual(['a', 'a', 'a', 'a', 'b']);
    expect(usage(() => resolveLaunch('train.mjs', [], raw({ hosts: 'a:4,b:4', nodes: '9' }), io())).message).toContain('(8 slots)');
    expect(usage(() => resolveLaunch('train.mjs', [], raw({ hosts: 'localhost:2,b:2' }), io())).message).toContain('cannot dial');
  });

  it('each rank learns how many ranks share its host (DTRAIN_LOCAL_WORLD_SIZE); a partly filled last host counts what it holds', () => {
    const specs = plan(resolveLaunch('train.mjs', [], raw({ hosts: 'a:3,b:3', nodes: '5' }), io()).config);
    expect(specs.map((s) => readWorkerEnv(envOf(s)).localWorldSize)).toEqual([3, 3, 3, 2, 2]);
    expect(uniformLocalSize(parseHostList('a:2,b:2,c:2'), 6, false)).toBe(2);
    expect(uniformLocalSize(parseHostList('a:3,b:3'), 5, false)).toBeUndefined();
    expect(uniformLocalSize(parseHostList('a:4,b:4'), 4, false)).toBe(4);
    expect(uniformLocalSize(parseHostList('a:8'), 8, true)).toBe(1);
  });

  it('every layout gives ranks 0..N-1 exactly once', () => {
    for (const hosts of ['a', 'a:3', 'a:1,b:5,c:2', 'x:7,y:1']) {
      const specs = plan(resolveLaunch('train.mjs', [], raw({ hosts }), io()).config);
      const total = parseHostList(hosts).reduce((s, h) => s + h.slots, 0);
      expect(specs.map((s) => s.rank)).toEqual([...Array(total).keys()]);
      expect(specs.map((s) => readWorkerEnv(envOf(s)).worldSize)).toEqual(specs.map(() => total));
    }
  });

  it('reads hostfiles: comments, "host slots=N", "host:N"', () => {
    expect(parseHostfile('# c\nn1 slots=4\n\nn2:2  # two\nn3\n')).toEqual([
      { host: 'n1', slots: 4 }, { host: 'n2', slots: 2 }, { host: 'n3', slots: 1 },
    ]);
    expect(() => parseHostfile('n1 slots=zero')).toThrow(UsageError);
    expect(resolveLaunch('train.mjs', [], raw({ hostfile: 'hosts.txt' }), io()).config.nodes).toBe(4);
  });

  it('shellQuote survives a real shell', () => {
    const words = ['plain', "it's", 'a b', '$HOME', '`x`', '"q"', '', 'é'];
    const printed = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(printed.split('\n').slice(0, -1)).toEqual(words);
  });
});
