/** The link check behind Transport.checkPeers: each peer answers our ping, and its own ping reaches us. */
import { TransportError } from '../errors.js';

export interface PingCheck {
  rank: number;
  peers: readonly number[];
  deadline: number;
  address(peer: number): string;
  ping(peer: number, deadline: number): Promise<void>;
  pingedBy(peer: number): boolean;
  closed(): boolean;
  /** Resolves when a ping arrives or after `ms`. */
  waitForPing(ms: number): Promise<void>;
}

export async function checkPeerLinks(c: PingCheck): Promise<void> {
  const problems = await Promise.all(c.peers.map((peer) => checkOne(c, peer)));
  const bad = problems.filter((p): p is string => p !== undefined);
  if (bad.length > 0) {
    throw new TransportError(
      'E_TRANSPORT_UNREACHABLE',
      `rank ${c.rank} (${c.address(c.rank)}) cannot exchange with ${bad.length} peer(s): ${bad.join('; ')}. ` +
        `Check that those ranks run, that the addresses are reachable from here (firewall, interface: iface / DTRAIN_IFACE), ` +
        `and that all ranks share the job id, the secret and the --secure mode`,
    );
  }
}

async function checkOne(c: PingCheck, peer: number): Promise<string | undefined> {
  const where = `${c.rank}<->${peer} (${c.address(peer)})`;
  try {
    await c.ping(peer, c.deadline);
  } catch (error) {
    return `${where}: no answer to our ping (${(error as Error).message})`;
  }
  while (!c.pingedBy(peer)) {
    if (c.closed()) return `${where}: closed`;
    const left = c.deadline - Date.now();
    if (left <= 0) return `${where}: it answers but its own ping never reached us`;
    await c.waitForPing(left);
  }
  return undefined;
}
