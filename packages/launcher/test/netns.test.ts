// The emulated cluster: names and rates (pure, always run), then the real thing (root only):
// namespaces up, TCP between distinct addresses, tbf at the configured rate, nothing left after.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readWorkerEnv } from '@dtrain/runtime';
import { NetnsError, UsageError } from '../src/errors.js';
import { createNetnsCluster, type NetnsCluster } from '../src/netns/cluster.js';
import { checkTools } from '../src/netns/ip.js';
import { clusterNames, parseNamespace, parseNetnsList } from '../src/netns/names.js';
import { formatRate, parseRate, tbfArgs } from '../src/netns/rate.js';
import { cleanupStaleClusters } from '../src/netns/stale.js';
import { plan } from '../src/plan.js';
import { resolveLaunch, type ResolveIO } from '../src/resolve.js';
import { TCP_FIXTURE, finish, namespaces, netnsSkipReason, records, rootLinks } from './netns-helpers.js';
import { codeOf } from '../../../test-utils/index.js';

const DIST_NETNS = fileURLToPath(new URL('../dist/netns/index.js', import.meta.url));
const skip = netnsSkipReason();
const clusters: NetnsCluster[] = [];

async function cluster(options: Parameters<typeof createNetnsCluster>[0]): Promise<NetnsCluster> {
  const c = await createNetnsCluster(options);
  clusters.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clusters.splice(0)) await c.destroy();
});

describe('netns names and rates', () => {
  // In this process with another uid: a process of uid 65534 could not read a checkout in a private (0700) directory.
  it('refuses a non-root user with E_NETNS_NOT_ROOT, before looking for any tool', () => {
    expect(codeOf(() => checkTools({ PATH: '' }, 65534), NetnsError)).toBe('E_NETNS_NOT_ROOT');
  });

  it('names carry prefix, id and owner pid, and read back only for their prefix', () => {
    const n = clusterNames('dtx', '0a1b2c3d', 4242, 3);
    expect(n.ranks).toEqual(['dtx-0a1b2c3d-4242-r0', 'dtx-0a1b2c3d-4242-r1', 'dtx-0a1b2c3d-4242-r2']);
    for (const name of [...n.ranks, n.bridge]) expect(parseNamespace('dtx', name)).toEqual({ base: n.base, pid: 4242 });
    expect(parseNamespace('dt', n.bridge)).toBeNull();
    expect(parseNamespace('dtx', 'dtx-0a1b2c3d-4242-eth0')).toBeNull();
    expect(parseNetnsList('a (id: 3)\nb\n\n')).toEqual(['a', 'b']);
    expect(codeOf(() => clusterNames('has-dash', '0a1b2c3d', 1, 1), NetnsError)).toBe('E_NETNS_ARGUMENT');
  });

  it('rates use tc\'s decimal units; the tbf bucket grows with the rate', () => {
    expect(parseRate('100mbit')).toBe(1e8);
    expect(parseRate('1.5Gbit')).toBe(1.5e9);
    expect(formatRate(parseRate('1gbit'))).toBe('1gbit');
    expect(codeOf(() => parseRate('100MB'), NetnsError)).toBe('E_NETNS_ARGUMENT');
    expect(codeOf(() => parseRate('10kbit'), NetnsError)).toBe('E_NETNS_ARGUMENT');
    const burst = (bits: number): number => Number(tbfArgs(bits)[4]);
    expect(burst(1e9)).toBeGreaterThan(burst(1e8));
    expect(burst(1e9)).toBe(250_000);
  });
});

describe('--cluster netns in the launch plan', () => {
  const io: ResolveIO = {
    cwd: '/w', now: new Date(2024, 0, 1), hostname: 'here', nodeBin: '/usr/bin/node', examplesDir: '/x',
    isFile: (p) => p === '/w/train.mjs', readFile: () => '', listDir: () => [], detectGpus: () => [], randomHex: (n) => 'cd'.repeat(n),
  };
  const raw = { algorithm: 'dsgd', topology: 'ring', seed: '0', port: '29600', timeout: '60', grace: '10', nodes: '3', gpus: 'none', cluster: 'netns' };
  const placement = {
    hosts: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
    command: (rank: number, command: string, args: readonly string[]) => ({ command: 'ip', args: ['netns', 'exec', `ns${rank}`, command, ...args] }),
  };

  it('each rank runs in its namespace at its own address; rank 0\'s address is the rendezvous', () => {
    const { config } = resolveLaunch('train.mjs', ['--x'], { ...raw, rate: '1gbit' }, io);
    expect(config.netns).toEqual({ rate: '1gbit' });
    const specs = plan(config, placement);
    specs.forEach((s, rank) => {
      expect(s).toMatchObject({ rank, host: placement.hosts[rank], remote: false, command: 'ip', args: ['netns', 'exec', `ns${rank}`, '/usr/bin/node', '/w/train.mjs', '--x'] });
      expect(readWorkerEnv(s.env)).toMatchObject({ rank, worldSize: 3, rendezvous: { host: '10.0.0.1', port: 29600 } });
    });
  });

  it('--rate without --cluster netns, a bad --rate, or --hosts with netns are usage errors', () => {
    const bad = (over: Record<string, string | undefined>): unknown => {
      try {
        resolveLaunch('train.mjs', [], { ...raw, ...over }, io);
      } catch (err) {
        return err;
      }
      return null;
    };
    expect(bad({ cluster: 'local', rate: '1gbit' })).toBeInstanceOf(UsageError);
    expect(bad({ rate: 'fast' })).toBeInstanceOf(UsageError);
    expect(bad({ hosts: 'a:2,b:2' })).toBeInstanceOf(UsageError);
    expect(bad({ cluster: 'kube' })).toBeInstanceOf(UsageError);
    expect(bad({})).toBeNull();
  });
});

describe.skipIf(skip !== null)(`emulated cluster in network namespaces${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it('each rank has one address of its own; every pair talks TCP between distinct addresses', async () => {
    const linksBefore = rootLinks();
    const c = await cluster({ nodes: 3, prefix: 'dtrtest' });
    expect(new Set(c.hosts).size).toBe(3);
    const outs = await Promise.all(c.hosts.map((_, r) => finish(c.spawn(r, process.execPath, [TCP_FIXTURE, 'mesh', String(r), JSON.stringify(c.hosts), '7100']))));
    outs.forEach((o, rank) => {
      expect(o.code, o.stderr).toBe(0);
      const [report] = records(o.stdout) as { interfaces: Record<string, string[]>; dialed: { rank: number; local: string; remote: string }[]; accepted: { rank: number; remote: string }[] }[];
      expect(report.interfaces).toEqual({ lo: ['127.0.0.1'], eth0: [c.hosts[rank]] });
      const peers = [0, 1, 2].filter((p) => p !== rank);
      expect(report.dialed).toEqual(peers.map((p) => ({ rank: p, local: c.hosts[rank], remote: c.hosts[p] })));
      expect(report.accepted.sort((a, b) => a.rank - b.rank)).toEqual(peers.map((p) => ({ rank: p, remote: c.hosts[p] })));
    });
    const names = [...c.namespaces, c.bridgeNamespace];
    expect(namespaces()).toEqual(expect.arrayContaining(names));
    await c.destroy();
    expect(namespaces().filter((n) => names.includes(n))).toEqual([]);
    expect(rootLinks().filter((l) => !linksBefore.includes(l))).toEqual([]);
  });

  it('a 100mbit link carries TCP payload at 100 Mbit/s within 10%, shaped on both veth ends', async () => {
    const c = await cluster({ nodes: 2, rate: '100mbit', prefix: 'dtrtest' });
    for (const [ns, dev] of [[c.namespaces[0], 'eth0'], [c.bridgeNamespace, 'v0']]) {
      expect(execFileSync('tc', ['-n', ns, 'qdisc', 'show', 'dev', dev], { encoding: 'utf8' })).toMatch(/tbf .*rate 100Mbit/);
    }
    const sink = c.spawn(1, process.execPath, [TCP_FIXTURE, 'sink', c.hosts[1], '7200']);
    const sinkDone = finish(sink);
    await new Promise((r) => sink.stdout?.once('data', r));
    const sent = await finish(c.spawn(0, process.execPath, [TCP_FIXTURE, 'send', c.hosts[1], '7200', '30']));
    expect(sent.code, sent.stderr).toBe(0);
    const got = await sinkDone;
    const { bytes, seconds } = records(got.stdout).find((r) => r.bytes !== undefined) as { bytes: number; seconds: number };
    expect(bytes).toBe(30 * 2 ** 20);
    const mbit = (bytes * 8) / seconds / 1e6;
    expect(Math.abs(mbit - 100) / 100, `measured ${mbit.toFixed(1)} Mbit/s`).toBeLessThan(0.1);
  });

  it('delayMs needs netem: used when the kernel has it, else refused with E_NETNS_NO_NETEM and nothing left', async () => {
    const before = namespaces();
    let c: NetnsCluster | null = null;
    try {
      c = await cluster({ nodes: 2, delayMs: 5, prefix: 'dtrtest' });
    } catch (err) {
      expect(err).toBeInstanceOf(NetnsError);
      expect((err as NetnsError).code).toBe('E_NETNS_NO_NETEM');
      expect(namespaces()).toEqual(before);
      return;
    }
    expect(execFileSync('tc', ['-n', c.namespaces[0], 'qdisc', 'show', 'dev', 'eth0'], { encoding: 'utf8' })).toMatch(/netem .*delay 5ms/);
  });

  it('SIGTERM to the owner removes its cluster; a SIGKILLed owner\'s leftovers go with cleanupStaleClusters', async () => {
    const script = `import { createNetnsCluster } from ${JSON.stringify(DIST_NETNS)};
      const c = await createNetnsCluster({ nodes: 2, prefix: 'dtrstale' });
      console.log(JSON.stringify([...c.namespaces, c.bridgeNamespace]));
      setTimeout(() => {}, 30000);`;
    const owner = async (signal: NodeJS.Signals): Promise<{ names: string[]; end: Awaited<ReturnType<typeof finish>> }> => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      const end = finish(child);
      const line = await new Promise<string>((r) => child.stdout.once('data', (d) => r(String(d))));
      const names = JSON.parse(line) as string[];
      expect(namespaces()).toEqual(expect.arrayContaining(names));
      child.kill(signal);
      return { names, end: await end };
    };
    const live = await cluster({ nodes: 1, prefix: 'dtrstale' });
    const termed = await owner('SIGTERM');
    expect(termed.end.signal).toBe('SIGTERM');
    expect(namespaces().filter((n) => termed.names.includes(n))).toEqual([]);
    const killed = await owner('SIGKILL');
    expect(namespaces()).toEqual(expect.arrayContaining(killed.names));
    expect((await cleanupStaleClusters('dtrstale')).sort()).toEqual([...killed.names].sort());
    expect(namespaces().filter((n) => killed.names.includes(n))).toEqual([]);
    expect(namespaces()).toEqual(expect.arrayContaining([...live.namespaces, live.bridgeNamespace]));
  });

});
