/**
 * An emulated multi-host cluster on one machine: one network namespace per
 * rank, each with its own address on a private /24, joined by a bridge that
 * sits in a namespace of its own (so the root namespace's firewall never
 * sees the traffic), optionally rate-limited (tbf on both veth ends) and
 * delayed (netem, where the kernel has it). Nothing is routed out: no
 * default route, no NAT, no link to the root namespace.
 *
 *   rank ns r0: lo, eth0 10.213.0.1/24 --veth-- v0 \
 *   rank ns r1: lo, eth0 10.213.0.2/24 --veth-- v1  >- br0 (bridge ns)
 *   ...                                             /
 */
import { spawn as spawnChild, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { NetnsError } from '../errors.js';
import { checkTools, run, type Tools } from './ip.js';
import {
  BRIDGE_IFACE, DEFAULT_PREFIX, MAX_NODES, RANK_IFACE, SUBNET_BITS,
  bridgePort, clusterNames, rankAddress, type ClusterNames,
} from './names.js';
import { formatRate, parseRate, tbfArgs } from './rate.js';
import { register, unregister } from './registry.js';
import { teardown } from './teardown.js';

export interface NetnsClusterOptions {
  /** Number of ranks (namespaces), 1..253. */
  nodes: number;
  /** Link rate per rank, as for tc: '1gbit', '100mbit'. Unlimited when absent. */
  rate?: string;
  /** One-way delay added to each rank's outgoing packets (needs netem in the kernel). */
  delayMs?: number;
  /** Start of every namespace name (default 'dtrain'); see cleanupStaleClusters. */
  prefix?: string;
}

export interface SpawnOptions {
  cwd?: string;
  stdio?: StdioOptions;
}

export interface NetnsCluster {
  /** IP address of each rank, in rank order. */
  readonly hosts: readonly string[];
  /** Namespace of each rank, in rank order. */
  readonly namespaces: readonly string[];
  /** The namespace that holds the bridge. */
  readonly bridgeNamespace: string;
  /** Rate limit in bits/s, null when unlimited. */
  readonly rateBits: number | null;
  readonly delayMs: number;
  /** `command args` run inside rank `rank`'s namespace, as a command line for spawn(). */
  command(rank: number, command: string, args: readonly string[]): { command: string; args: string[] };
  /** Start `command` in rank `rank`'s namespace (own process group); `env` is added to process.env. */
  spawn(rank: number, command: string, args: readonly string[], env?: Record<string, string>, options?: SpawnOptions): ChildProcess;
  /** Kill what runs in the cluster and remove every namespace (with its veths and bridge). Idempotent. */
  destroy(): Promise<void>;
}

function checkOptions(o: NetnsClusterOptions): { rateBits: number | null; delayMs: number } {
  if (!Number.isSafeInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_NODES) {
    throw new NetnsError('E_NETNS_ARGUMENT', `nodes ${o.nodes} is not an integer in 1..${MAX_NODES} (one address of a /24 each); pick fewer nodes`);
  }
  const delayMs = o.delayMs ?? 0;
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new NetnsError('E_NETNS_ARGUMENT', `delayMs ${delayMs} is not a non-negative number of milliseconds; write e.g. delayMs: 5`);
  }
  return { rateBits: o.rate === undefined ? null : parseRate(o.rate), delayMs };
}

async function addDelay(tools: Tools, ns: string, delayMs: number, rateBits: number | null): Promise<void> {
  try {
    await run(tools.tc, ['-n', ns, 'qdisc', 'add', 'dev', RANK_IFACE, 'root', 'handle', '1:', 'netem', 'delay', `${delayMs}ms`]);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/unknown|not found|No such file/i.test(text)) {
      throw new NetnsError(
        'E_NETNS_NO_NETEM',
        `delayMs ${delayMs} needs the netem qdisc, which this kernel does not have (${text}); drop delayMs or load sch_netem (modprobe sch_netem)`,
        { cause: err },
      );
    }
    throw err;
  }
  if (rateBits !== null) await run(tools.tc, ['-n', ns, 'qdisc', 'add', 'dev', RANK_IFACE, 'parent', '1:1', 'handle', '10:', ...tbfArgs(rateBits)]);
}

async function build(tools: Tools, names: ClusterNames, rateBits: number | null, delayMs: number): Promise<void> {
  const { ip, tc } = tools;
  const br = names.bridge;
  await run(ip, ['netns', 'add', br]);
  await run(ip, ['-n', br, 'link', 'set', 'lo', 'up']);
  await run(ip, ['-n', br, 'link', 'add', BRIDGE_IFACE, 'type', 'bridge']);
  await run(ip, ['-n', br, 'link', 'set', BRIDGE_IFACE, 'up']);
  for (const [rank, ns] of names.ranks.entries()) {
    const port = bridgePort(rank);
    await run(ip, ['netns', 'add', ns]);
    await run(ip, ['-n', br, 'link', 'add', port, 'type', 'veth', 'peer', 'name', RANK_IFACE, 'netns', ns]);
    await run(ip, ['-n', br, 'link', 'set', port, 'master', BRIDGE_IFACE]);
    await run(ip, ['-n', br, 'link', 'set', port, 'up']);
    await run(ip, ['-n', ns, 'addr', 'add', `${rankAddress(rank)}/${SUBNET_BITS}`, 'dev', RANK_IFACE]);
    await run(ip, ['-n', ns, 'link', 'set', RANK_IFACE, 'up']);
    await run(ip, ['-n', ns, 'link', 'set', 'lo', 'up']);
    if (delayMs > 0) await addDelay(tools, ns, delayMs, rateBits);
    else if (rateBits !== null) await run(tc, ['-n', ns, 'qdisc', 'add', 'dev', RANK_IFACE, 'root', ...tbfArgs(rateBits)]);
    if (rateBits !== null) await run(tc, ['-n', br, 'qdisc', 'add', 'dev', port, 'root', ...tbfArgs(rateBits)]);
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone
  }
}

/** Build the cluster; on any failure everything built so far is removed before the error is thrown. */
export async function createNetnsCluster(options: NetnsClusterOptions): Promise<NetnsCluster> {
  const { rateBits, delayMs } = checkOptions(options);
  const tools = checkTools();
  const names = clusterNames(options.prefix ?? DEFAULT_PREFIX, randomBytes(4).toString('hex'), process.pid, options.nodes);
  const all = [...names.ranks, names.bridge];
  // Registered before the first command, so an interrupt during the build cleans up too.
  register(names.base, tools.ip, all);
  try {
    await build(tools, names, rateBits, delayMs);
  } catch (err) {
    await teardown(tools.ip, all);
    unregister(names.base);
    throw err;
  }
  const children = new Set<ChildProcess>();
  let destroying: Promise<void> | null = null;
  const hosts = names.ranks.map((_, r) => rankAddress(r));
  const namespaceOf = (rank: number): string => {
    const ns = names.ranks[rank];
    if (ns === undefined) throw new NetnsError('E_NETNS_ARGUMENT', `rank ${rank} is not in this cluster of ${names.ranks.length}; use 0..${names.ranks.length - 1}`);
    return ns;
  };
  const command = (rank: number, cmd: string, args: readonly string[]): { command: string; args: string[] } => ({
    command: tools.ip,
    args: ['netns', 'exec', namespaceOf(rank), cmd, ...args],
  });
  return {
    hosts,
    namespaces: names.ranks,
    bridgeNamespace: names.bridge,
    rateBits,
    delayMs,
    command,
    spawn(rank, cmd, args, env = {}, spawnOptions = {}) {
      if (destroying !== null) throw new NetnsError('E_NETNS_ARGUMENT', `cluster ${names.base} is destroyed; create a new one`);
      const line = command(rank, cmd, args);
      const child = spawnChild(line.command, line.args, {
        env: { ...process.env, ...env },
        cwd: spawnOptions.cwd,
        stdio: spawnOptions.stdio ?? 'pipe',
        detached: true,
      });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    destroy() {
      destroying ??= (async () => {
        children.forEach(killGroup);
        const failed = await teardown(tools.ip, all);
        unregister(names.base);
        if (failed.length > 0) {
          throw new NetnsError('E_NETNS_COMMAND', `could not remove namespaces ${failed.join(', ')}; remove them with \`ip netns del NAME\``);
        }
      })();
      return destroying;
    },
  };
}

/** "4 namespaces, 1gbit links" for log lines. */
export function describeCluster(c: Pick<NetnsCluster, 'namespaces' | 'rateBits' | 'delayMs'>): string {
  const rate = c.rateBits === null ? 'unlimited links' : `${formatRate(c.rateBits)} links`;
  return `${c.namespaces.length} network namespaces, ${rate}${c.delayMs > 0 ? `, ${c.delayMs} ms delay` : ''}`;
}
