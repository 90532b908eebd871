/**
 * The transport contract. Implementations: in-memory (tests), ZeroMQ
 * (tcp:// across hosts, ipc:// on one host). The Communicator sits on top
 * and knows nothing about which one it has.
 */

/** What a frame carries; the communicator uses 'data', the rest are control. */
export type FrameKind = 'data' | 'hello' | 'ping' | 'bye';

/** Header of every frame (encoded with msgpackr); the body is raw float32. */
export interface FrameHeader {
  /** Format version. */
  readonly v: 1;
  /** Job id: frames of another job are dropped. */
  readonly job: string;
  readonly kind: FrameKind;
  /** Sender rank. */
  readonly from: number;
  /** Iteration (or collective-operation sequence number). */
  readonly iter: number;
  /** Sub-step within the iteration (exchange round, allreduce chunk/phase...). */
  readonly tag: number;
  readonly dtype: 'f32';
  /** Number of float32 elements in the body. */
  readonly length: number;
}

/** Why a received frame was dropped. */
export type DropReason =
  | 'malformed'
  | 'oversized'
  | 'wrong-job'
  | 'bad-auth'
  | 'stale-iteration'
  | 'unknown-peer'
  | 'duplicate';

export interface TransportStats {
  bytesSent: number;
  bytesReceived: number;
  framesSent: number;
  framesReceived: number;
  dropped: Record<DropReason, number>;
}

export interface RecvOptions {
  /** Absolute deadline (ms since epoch, Date.now() clock). Default: now + the transport's timeout. */
  deadline?: number;
  /** A buffer of the right length to receive into, where the implementation can avoid an allocation. */
  into?: Float32Array;
}

export interface Transport {
  readonly rank: number;
  readonly size: number;
  /**
   * Send `body` to `peer` as frame (iter, tag). Resolves when the caller may
   * write to `body` again (it has been delivered or copied), never earlier.
   */
  send(peer: number, iter: number, tag: number, body: Float32Array): Promise<void>;
  /**
   * The body of the frame (iter, tag) from `peer`. Frames that arrive early
   * are buffered per (peer, iter, tag). Rejects with a PeerError naming the
   * peer rank, its address and the iteration when the deadline passes or the
   * peer is known to be gone.
   */
  recv(peer: number, iter: number, tag: number, options?: RecvOptions): Promise<Float32Array>;
  /** Iterations below `iter` are finished: buffered and later frames for them are dropped as stale. */
  finish(iter: number): void;
  /** Address of a peer, for error messages. */
  address(peer: number): string;
  stats(): TransportStats;
  close(): Promise<void>;
}
