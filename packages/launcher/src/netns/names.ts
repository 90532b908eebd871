/**
 * Names of what an emulated cluster creates. Every namespace is
 * `<prefix>-<id>-<pid>-<role>` (role `br` for the bridge, `r<rank>` for a
 * rank): the random id keeps parallel clusters apart, the pid of the process
 * that built it tells leftovers (owner gone) from live clusters.
 * Interface names live inside those namespaces, so they can be short and fixed.
 */
import { NetnsError } from '../errors.js';

/** The private /24 used inside every cluster; never routed out of its namespaces. */
export const SUBNET_PREFIX = '10.213.0';
export const SUBNET_BITS = 24;
/** Addresses .1 ... .253 go to ranks 0 ... 252. */
export const MAX_NODES = 253;
export const BRIDGE_IFACE = 'br0';
/** The rank's end of its veth pair (inside the rank's namespace). */
export const RANK_IFACE = 'eth0';
export const DEFAULT_PREFIX = 'dtrain';

/** The bridge namespace's end of rank `rank`'s veth pair. */
export function bridgePort(rank: number): string {
  return `v${rank}`;
}

export function rankAddress(rank: number): string {
  return `${SUBNET_PREFIX}.${rank + 1}`;
}

export function checkPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.]{0,23}$/.test(prefix)) {
    throw new NetnsError(
      'E_NETNS_ARGUMENT',
      `prefix ${JSON.stringify(prefix)} must be 1-24 letters, digits, '_' or '.' (no '-', it separates the name's parts); write e.g. prefix: 'dtrain'`,
    );
  }
  return prefix;
}

export interface ClusterNames {
  /** `<prefix>-<id>-<pid>`, shared by every namespace of the cluster. */
  base: string;
  bridge: string;
  ranks: string[];
}

export function clusterNames(prefix: string, id: string, pid: number, nodes: number): ClusterNames {
  const base = `${checkPrefix(prefix)}-${id}-${pid}`;
  return { base, bridge: `${base}-br`, ranks: Array.from({ length: nodes }, (_, r) => `${base}-r${r}`) };
}

export interface ParsedName {
  base: string;
  pid: number;
}

/** Reads back a namespace name made by clusterNames for `prefix`; null when it is not one. */
export function parseNamespace(prefix: string, name: string): ParsedName | null {
  const m = /^(.+)-([0-9a-f]{8})-(\d+)-(br|r\d+)$/.exec(name);
  if (m === null || m[1] !== prefix) return null;
  return { base: `${m[1]}-${m[2]}-${m[3]}`, pid: Number(m[3]) };
}

/** `ip netns list` prints "name" or "name (id: 3)" per line. */
export function parseNetnsList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}
