/**
 * The receive side shared by every transport: frames routed to
 * per-(peer, iteration, tag) FIFO queues, receives waiting with a deadline,
 * stale iterations dropped, lost peers failing their waiters at once.
 */
import { PeerError, TransportError } from '../errors.js';
import { decodeInto, type WireDtype } from './codec.js';
import { DROP_LOG_BASE } from './constants.js';
import { DROP_REASONS, type DropReason, type RecvOptions, type TransportStats } from './types.js';

export function emptyStats(): TransportStats {
  const dropped = {} as Record<DropReason, number>;
  for (const reason of DROP_REASONS) dropped[reason] = 0;
  return { bytesSent: 0, bytesReceived: 0, framesSent: 0, framesReceived: 0, framesResent: 0, dropped };
}

export function copyStats(stats: TransportStats): TransportStats {
  return { ...stats, dropped: { ...stats.dropped }, ...(stats.bytesSentTo ? { bytesSentTo: [...stats.bytesSentTo] } : {}) };
}

interface Waiter {
  resolve(body: Float32Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  into: Float32Array | undefined;
}

/** A received body: `length` values as `dtype` (checked by the transport). */
export interface Body {
  bytes: Uint8Array;
  dtype: WireDtype;
  length: number;
}

interface Slot {
  peer: number;
  iter: number;
  frames: Body[];
  waiters: Waiter[];
}

export interface InboxOptions {
  rank: number;
  size: number;
  timeoutMs: number;
  address(peer: number): string;
  /** Told of drops at counts 1, 10, 100, ... of each reason (for the log). */
  onDrop?: ((reason: DropReason, count: number) => void) | undefined;
}

export class Inbox {
  readonly stats: TransportStats = emptyStats();
  private readonly slots = new Map<string, Slot>();
  private readonly lost = new Map<number, string>();
  private finishedBelow = 0;
  private closed = false;

  constructor(private readonly options: InboxOptions) {}

  /** Iterations below this one are finished. */
  get finished(): number {
    return this.finishedBelow;
  }

  drop(reason: DropReason, count = 1): DropReason {
    const before = this.stats.dropped[reason];
    const after = before + count;
    this.stats.dropped[reason] = after;
    if (this.options.onDrop !== undefined && count > 0 && crossesPower(before, after)) this.options.onDrop(reason, after);
    return reason;
  }

  /** True when frames for `iter` are no longer wanted. */
  isStale(iter: number): boolean {
    return iter < this.finishedBelow;
  }

  /**
   * Hands a received 'data' body to its waiter or queues it. `bytes` must
   * stay untouched by the caller afterwards; a compressed body (`dtype`,
   * `length` values) is decoded for the receiver. Returns why it was dropped, if it was.
   */
  deliver(peer: number, iter: number, tag: number, bytes: Uint8Array, dtype: WireDtype = 'f32', length = bytes.byteLength >>> 2): DropReason | undefined {
    const body: Body = { bytes, dtype, length };
    if (this.closed) return undefined;
    if (this.isStale(iter)) return this.drop('stale-iteration');
    this.stats.framesReceived += 1;
    this.stats.bytesReceived += bytes.byteLength;
    const key = `${peer}:${iter}:${tag}`;
    let slot = this.slots.get(key);
    const waiter = slot?.waiters.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      waiter.resolve(toFloats(body, waiter.into));
      if (slot!.waiters.length === 0 && slot!.frames.length === 0) this.slots.delete(key);
      return undefined;
    }
    if (slot === undefined) {
      slot = { peer, iter, frames: [], waiters: [] };
      this.slots.set(key, slot);
    }
    slot.frames.push(body);
    return undefined;
  }

  take(peer: number, iter: number, tag: number, options: RecvOptions = {}): Promise<Float32Array> {
    const { rank } = this.options;
    if (this.closed) return Promise.reject(closedError(rank));
    if (this.isStale(iter)) return Promise.reject(staleError(rank, peer, iter, this.finishedBelow));
    const key = `${peer}:${iter}:${tag}`;
    let slot = this.slots.get(key);
    const ready = slot?.frames.shift();
    if (ready !== undefined) {
      if (slot!.frames.length === 0 && slot!.waiters.length === 0) this.slots.delete(key);
      return Promise.resolve(toFloats(ready, options.into));
    }
    const why = this.lost.get(peer);
    if (why !== undefined) return Promise.reject(this.lostError(peer, iter, why));
    const deadline = options.deadline ?? Date.now() + this.options.timeoutMs;
    if (slot === undefined) {
      slot = { peer, iter, frames: [], waiters: [] };
      this.slots.set(key, slot);
    }
    const target = slot;
    return new Promise<Float32Array>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, into: options.into, timer: undefined as unknown as NodeJS.Timeout };
      waiter.timer = setTimeout(() => {
        const at = target.waiters.indexOf(waiter);
        if (at >= 0) target.waiters.splice(at, 1);
        if (target.waiters.length === 0 && target.frames.length === 0) this.slots.delete(key);
        reject(this.timeoutError(peer, iter, tag, deadline));
      }, Math.max(0, deadline - Date.now()));
      target.waiters.push(waiter);
    });
  }

  /** Drops buffered frames of iterations below `iter`; their waiters reject (E_TRANSPORT_STALE). */
  finish(iter: number): void {
    if (iter <= this.finishedBelow) return;
    this.finishedBelow = iter;
    for (const [key, slot] of this.slots) {
      if (slot.iter >= iter) continue;
      this.drop('stale-iteration', slot.frames.length);
      for (const waiter of slot.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(staleError(this.options.rank, slot.peer, slot.iter, iter));
      }
      this.slots.delete(key);
    }
  }

  /** `peer` will send nothing more: its waiters (now and later) reject with E_PEER_LOST. */
  peerLost(peer: number, why: string): void {
    if (this.closed || this.lost.has(peer)) return;
    this.lost.set(peer, why);
    for (const [key, slot] of this.slots) {
      if (slot.peer !== peer || slot.waiters.length === 0) continue;
      for (const waiter of slot.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(this.lostError(peer, slot.iter, why));
      }
      slot.waiters = [];
      if (slot.frames.length === 0) this.slots.delete(key);
    }
  }

  /** `peer` is a new process (elastic replacement): it counts as live again. */
  readmit(peer: number): void {
    this.lost.delete(peer);
    // Whatever its old process left queued is not the new one's.
    for (const [key, slot] of this.slots) {
      if (slot.peer !== peer) continue;
      this.drop('replay', slot.frames.length);
      slot.frames = [];
      if (slot.waiters.length === 0) this.slots.delete(key);
    }
  }

  /** Why `peer` counts as lost, if it does. */
  lostReason(peer: number): string | undefined {
    return this.lost.get(peer);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots.values()) {
      for (const waiter of slot.waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(closedError(this.options.rank));
      }
    }
    this.slots.clear();
  }

  lostError(peer: number, iter: number, why: string): PeerError {
    const address = this.options.address(peer);
    return new PeerError(
      'E_PEER_LOST',
      peer,
      address,
      iter,
      `rank ${this.options.rank}: rank ${peer} (${address}) is gone (${why}) while iteration ${iter} waited for it; ` +
        `see that rank's log for why it stopped`,
    );
  }

  timeoutError(peer: number, iter: number, tag: number, deadline: number): PeerError {
    const address = this.options.address(peer);
    return new PeerError(
      'E_PEER_TIMEOUT',
      peer,
      address,
      iter,
      `rank ${this.options.rank}: nothing from rank ${peer} (${address}) for iteration ${iter} tag ${tag} ` +
        `by the deadline (${new Date(deadline).toISOString()}); check that rank ${peer} runs and reaches this host, ` +
        `or raise the timeout (timeoutMs, DTRAIN_TIMEOUT_MS)`,
    );
  }
}

/** True when a power of DROP_LOG_BASE lies in (before, after]. */
function crossesPower(before: number, after: number): boolean {
  for (let p = 1; p <= after; p *= DROP_LOG_BASE) if (p > before) return true;
  return false;
}

/**
 * The values of a received body: for float32 a view of its bytes, copied
 * only when misaligned; compressed ones decoded. Into `into` when it fits.
 */
export function toFloats(body: Body, into?: Float32Array): Float32Array {
  const { bytes, length } = body;
  if (body.dtype !== 'f32') return decodeInto(body, into !== undefined && into.length === length ? into : new Float32Array(length));
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, length);
  const out = into !== undefined && into.length === length ? into : new Float32Array(length);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes.subarray(0, length * 4));
  return out;
}

export function closedError(rank: number): TransportError {
  return new TransportError('E_TRANSPORT_CLOSED', `rank ${rank}: the transport is closed; open a new one to talk again`);
}

function staleError(rank: number, peer: number, iter: number, finished: number): TransportError {
  return new TransportError(
    'E_TRANSPORT_STALE',
    `rank ${rank}: receive from rank ${peer} for iteration ${iter}, but iterations below ${finished} are finished; ` +
      `call finish() only after the iteration's receives are done`,
  );
}
