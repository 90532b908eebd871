// The same option names, defaults and help text in every subcommand that takes them
// (option-defs.ts), torchrun's --nproc-per-node, and what compare hands on to each launch.
import { describe, expect, it } from 'vitest';
import type { Command, Option } from 'commander';
import { buildProgram } from '../src/cli.js';
import { DEFAULT_TIMEOUT_S } from '../src/constants.js';
import { resolveCompare } from '../src/commands/compare.js';
import { resolveLaunch, type ResolveIO } from '../src/resolve.js';
import type { LaunchOptionsRaw } from '../src/options.js';
import { UsageError } from '../src/errors.js';

function command(path: string): Command {
  let cmd: Command = buildProgram();
  for (const name of path.split(' ')) {
    const next = cmd.commands.find((c) => c.name() === name);
    if (next === undefined) throw new Error(`no command ${path}`);
    cmd = next;
  }
  return cmd;
}

const optionOf = (cmd: Command, long: string): Option | undefined => (cmd.options as Option[]).find((o) => o.long === long);
/** The description without the per-command note in parentheses at its end (only --nodes has one). */
const base = (o: Option): string => (o.long === '--nodes' ? o.description.replace(/ \([^)]*\)$/, '') : o.description);

const RUN_COMMANDS = ['launch', 'compose', 'k8s', 'compare', 'consensus', 'bench comm', 'bench step'];
/** Where an option of the same name means something else: compose and k8s reserve GPUs for services and pods. */
const OWN_MEANING: Record<string, readonly string[]> = { '--gpus': ['compose', 'k8s'] };
const SHARED = ['--nodes', '--seed', '--backend', '--timeout', '--gpus', '--hosts', '--hostfile', '--env', '--iface', '--example', '--cluster', '--rate', '--secure', '--resume', '--nproc-per-node'];

describe('options across subcommands', () => {
  it('each shared option has one flag spelling, help text and default wherever it appears', () => {
    for (const long of SHARED) {
      const seen = RUN_COMMANDS.filter((c) => !(OWN_MEANING[long] ?? []).includes(c))
        .map((c) => [c, optionOf(command(c), long)] as const).filter((e): e is readonly [string, Option] => e[1] !== undefined);
      expect(seen.length, long).toBeGreaterThan(0);
      const [first] = seen;
      for (const [name, o] of seen) {
        expect([name, o.flags.replace(/ <.*$/, '')], long).toEqual([name, first[1].flags.replace(/ <.*$/, '')]);
        expect([name, base(o)], long).toEqual([name, base(first[1])]);
        // Benchmarks of large frames wait longer; every other --timeout has the launch default.
        if (long === '--timeout' && name.startsWith('bench')) continue;
        expect([name, o.defaultValue], long).toEqual([name, first[1].defaultValue]);
      }
    }
    expect(optionOf(command('consensus'), '--timeout')?.defaultValue).toBe(String(DEFAULT_TIMEOUT_S));
    expect(optionOf(command('launch'), '--timeout')?.defaultValue).toBe(String(DEFAULT_TIMEOUT_S));
  });

  it('compare takes what launch takes to place and reach the ranks', () => {
    for (const long of ['--gpus', '--hosts', '--hostfile', '--env', '--timeout', '--iface', '--nproc-per-node']) {
      expect(optionOf(command('compare'), long), long).toBeDefined();
    }
    const plan = resolveCompare(undefined, [], {
      nodes: '2', example: 'mnist', configs: 'psgd,dsgd:ring', cluster: 'local', seed: '0', timeout: '45', gpus: 'none', env: ['FOO=1', 'BAR=2'],
    });
    expect(plan.launchFlags).toEqual(['--gpus', 'none', '--timeout', '45', '--env', 'FOO=1', '--env', 'BAR=2']);
    expect(() => resolveCompare(undefined, [], { nodes: '2', example: 'mnist', configs: 'psgd', cluster: 'local', seed: '0', timeout: 'soon' })).toThrow(UsageError);
  });
});

describe('--nproc-per-node (torchrun)', () => {
  const io: ResolveIO = {
    cwd: '/w', now: new Date(0), hostname: 'here', nodeBin: 'node', examplesDir: '/x',
    isFile: (p) => p === '/w/t.mjs', readFile: () => '', listDir: () => [], detectGpus: () => [], randomHex: (n) => 'ab'.repeat(n),
  };
  const raw = (over: Partial<LaunchOptionsRaw>): LaunchOptionsRaw => ({ algorithm: 'dsgd', topology: 'ring', seed: '0', port: '29600', timeout: '30', grace: '10', ...over });

  it('alone is --nodes; with --hosts a,b every host gets that many', () => {
    expect(resolveLaunch('t.mjs', [], raw({ nprocPerNode: '3' }), io).config.nodes).toBe(3);
    const { config } = resolveLaunch('t.mjs', [], raw({ nprocPerNode: '2', hosts: 'here,far' }), io);
    expect([config.nodes, config.hosts]).toEqual([4, [{ host: 'here', slots: 2 }, { host: 'far', slots: 2 }]]);
  });

  it('refuses counts that disagree, naming both ways to write it', () => {
    expect(() => resolveLaunch('t.mjs', [], raw({ nprocPerNode: '3', nodes: '4' }), io)).toThrow(/--nproc-per-node 3 and --nodes 4 disagree/);
    expect(() => resolveLaunch('t.mjs', [], raw({ nprocPerNode: '2', hosts: 'here:4,far' }), io)).toThrow(/--hosts a:2,b:2, or --hosts a,b --nproc-per-node 2/);
  });
});
