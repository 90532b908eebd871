/**
 * The transport contract. Implementations: in-memory (tests), ZeroMQ
 * (tcp:// across hosts, ipc:// on one host). The Communicator sits on top
 * and knows nothing about which one it has.
 */

/**
 * What a frame carries: 'data' is the communicator's payload; 'ack' tells a
 * sender its body may be reused; 'ping'/'pong' check a link; 'bye' announces
 * a clean close.
 */
export type FrameKind = 'data' | 'ack' | 'ping' | 'pong' | 'bye' | 'join';

import type { Packed, WireDtype } from './codec.js';

/** Header of every frame (encoded with msgpackr); the body holds `length` values as `dtype` (codec.ts). */
export interface FrameHeader {
  /** Format version. */
  readonly v: 2;
  /** Job id: frames of another job are dropped. */
  readonly job: string;
  readonly kind: FrameKind;
  /** Sender rank. */
  readonly from: number;
  /** Receiver rank: a frame addressed to another rank is dropped. */
  readonly to: number;
  /** Sender process instance (16 hex chars, published at the rendezvous): selects the MAC key. */
  readonly inst: string;
  /** Iteration (or collective-operation sequence number), >= 0. */
  readonly iter: number;
  /** Sub-step within the iteration (exchange round, allreduce chunk/phase...), >= 0. */
  readonly tag: number;
  /** How the body encodes its values: raw float32, or compressed (codec.ts). */
  readonly dtype: WireDtype;
  /** Number of values in the body (for topk: of the dense vector). */
  readonly length: number;
  /**
   * Number in the frame's sequence space (data; a Link's ping/bye; a
   * ROUTER's ack/pong/bye), counted per sender process and receiver; each
   * number is accepted once (replays are dropped).
   */
  readonly seq: number;
  /** 'ack' / 'pong': the seq of the frame answered; 0 otherwise. */
  readonly ref: number;
}

/**
 * Why a peer counts as lost: it answered no heartbeat for HEARTBEAT_MISSES
 * intervals ('heartbeat': stopped, hung or cut off), its connection dropped
 * and stayed down ('connection': usually its process died), it said goodbye
 * ('closed'), or it removed this rank from the job's membership ('excluded').
 */
export type LostCause = 'heartbeat' | 'connection' | 'closed' | 'excluded';

/** A lost peer: why, in words and as a cause. */
export interface PeerLoss {
  readonly cause: LostCause;
  readonly why: string;
}

/** Why a received frame was dropped. */
export type DropReason =
  /** Not a frame: wrong part count, undecodable or mis-shaped header, body length not the header's, a kind on the wrong channel. */
  | 'malformed'
  /** A header or body above the limit (the model's frame, once known). */
  | 'oversized'
  | 'wrong-job'
  /** The MAC over header and body does not verify: forged or changed on the way. */
  | 'bad-mac'
  | 'stale-iteration'
  /** Authentic but addressed to another rank, or claiming this rank / a rank outside the job as sender. */
  | 'unknown-peer'
  /** Authentic but seen before (same sequence number in its space), or from an earlier process of that rank. */
  | 'replay'
  /** A connection refused before any frame: an address outside the job, or a CURVE key that is not the job's. */
  | 'refused';

export const DROP_REASONS: readonly DropReason[] = [
  'malformed',
  'oversized',
  'wrong-job',
  'bad-mac',
  'stale-iteration',
  'unknown-peer',
  'replay',
  'refused',
];

export interface TransportStats {
  /** Body bytes of 'data' frames (compressed bytes when compressed). */
  bytesSent: number;
  /** The same per peer: entry p = body bytes sent to rank p (what crosses a link, e.g. between hosts). */
  bytesSentTo?: number[];
  bytesReceived: number;
  /** 'data' frames only. */
  framesSent: number;
  framesReceived: number;
  /** Frames sent again because their answer was late or their connection dropped. */
  framesResent: number;
  dropped: Record<DropReason, number>;
  /** Received bodies the caller released (Transport.release) and the young-generation collections that freed them (release.ts). */
  released?: { bodies: number; bytes: number; scavenges: number };
}

export interface RecvOptions {
  /** Absolute deadline (ms since epoch, Date.now() clock). Default: now + the transport's timeout. */
  deadline?: number;
  /**
   * A buffer of the right length the implementation may receive into to
   * avoid an allocation. Always use the returned array: it may or may not be
   * `into`.
   */
  into?: Float32Array;
}

export interface CheckOptions {
  /** Absolute deadline (ms since epoch). Default: now + the transport's timeout. */
  deadline?: number;
}

export interface Transport {
  readonly rank: number;
  readonly size: number;
  /** Default wait, in ms, for a recv / send / check without a deadline. */
  readonly timeoutMs: number;
  /**
   * Send `body` to `peer` as frame (iter, tag): float32 values, or values
   * already compressed (codec.ts encode; the receiver gets them decoded). Resolves when the caller may
   * write to `body` again (it has been delivered or copied), never earlier.
   * Rejects with a PeerError when the peer is gone or does not take the
   * frame before the deadline.
   */
  send(peer: number, iter: number, tag: number, body: Float32Array | Packed): Promise<void>;
  /**
   * The body of the frame (iter, tag) from `peer`. Frames that arrive early
   * are buffered per (peer, iter, tag), first in first out. Rejects with a
   * PeerError naming the peer rank, its address and the iteration when the
   * deadline passes or the peer is known to be gone. The returned array is
   * the caller's to keep and modify.
   */
  recv(peer: number, iter: number, tag: number, options?: RecvOptions): Promise<Float32Array>;
  /**
   * The caller has finished with `body`, which recv returned: it reads it no
   * more, and the transport may free its memory sooner (release.ts).
   * Optional; a no-op where a transport keeps no memory of its own.
   */
  release?(body: Float32Array): void;
  /**
   * Iterations below `iter` are finished: buffered and later frames for them
   * are dropped as stale, and pending receives for them reject (E_TRANSPORT_STALE).
   */
  finish(iter: number): void;
  /**
   * From now on refuse bodies above `maxElements` floats, sent or received
   * (the model's frame, once known), before their MAC is computed; never
   * raises the limit. (What ZeroMQ buffers per part is bounded when the
   * transport opens: ZmqConnectOptions.maxElements.)
   */
  limitFrames(maxElements: number): Promise<void>;
  /**
   * Check that this rank and each of `peers` can exchange frames both ways.
   * Rejects with TransportError E_TRANSPORT_UNREACHABLE naming every
   * unreachable peer and its address.
   */
  checkPeers(peers: readonly number[], options?: CheckOptions): Promise<void>;
  /**
   * Elastic membership: `peer` is no longer part of the job. Its links are
   * closed, a frame it still sends is answered with a 'bye' that tells it it
   * was excluded, and receives from it reject with E_PEER_LOST. Idempotent.
   */
  exclude(peer: number, why: string): void;
  /** Why `peer` counts as lost, if it does. */
  lostReason(peer: number): PeerLoss | undefined;
  /**
   * Elastic: take `peer` back in as the process `inst` at `address` (a
   * replacement whose 'join' was heard): its old links go, its frames are
   * checked against the new instance's key, and it counts as live again.
   * Optional: transports without replacements lack it.
   */
  readmit?(peer: number, inst: string, address: string): void;
  /** Elastic replacement: ask every peer to take this process back in; resolves once `peers` have all answered (or the deadline passes). */
  announceJoin?(peers: readonly number[], deadline: number): Promise<number[]>;
  /** Told of every authentic 'join' (a replacement's rank, instance and address). */
  onJoin?: ((peer: number, inst: string, address: string) => void) | undefined;
  /** Address of a peer, for error messages. */
  address(peer: number): string;
  stats(): TransportStats;
  /** Releases sockets and files; pending operations reject with E_TRANSPORT_CLOSED. Idempotent. */
  close(): Promise<void>;
}
