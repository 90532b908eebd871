/** The errors a Link rejects with, naming the peer, its address and the iteration. */
import { PeerError } from '../errors.js';

export interface LinkWho {
  rank: number;
  peer: number;
  address: string;
  timeoutMs: number;
}

export function linkLostError(o: LinkWho, iter: number, why: string): PeerError {
  return new PeerError(
    'E_PEER_LOST',
    o.peer,
    o.address,
    iter,
    `rank ${o.rank}: rank ${o.peer} (${o.address}) is gone (${why}) while iteration ${iter} was being sent to it; ` +
      `see that rank's log for why it stopped`,
  );
}

export function linkTimeoutError(o: LinkWho, iter: number, what: string): PeerError {
  return new PeerError(
    'E_PEER_TIMEOUT',
    o.peer,
    o.address,
    iter,
    `rank ${o.rank}: rank ${o.peer} (${o.address}) did not ${what} for iteration ${iter} within ${o.timeoutMs} ms; ` +
      `check that it runs and that this host reaches ${o.address}, or raise the timeout (timeoutMs, DTRAIN_TIMEOUT_MS)`,
  );
}
