/**
 * One rank's outgoing link to one peer: a DEALER connected to the peer's
 * ROUTER. Sends are serialized (one pending send per socket) and each data
 * frame is acknowledged by the peer over the same connection, which is what
 * lets send() resolve only once the body may be reused, and bounds the bytes
 * in flight. An unanswered frame is sent again (pending.ts), so one dropped
 * on the way (a changed bit, a replaced connection) is not fatal. A dropped
 * connection that stays down marks the peer lost.
 */
import { Dealer } from 'zeromq';
import type { PeerError } from '../errors.js';
import { BYE_EXCLUDED, CLOSE_LINGER_MS, HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, MAX_REPLY_PART_BYTES } from './constants.js';
import { bodyBytes, type Packed } from './codec.js';
import type { CurveKeys } from './curve.js';
import { decodeFrame, encodeFrame, type DecodeContext, type FrameCodec } from './frame.js';
import { closedError } from './inbox.js';
import { linkLostError, linkTimeoutError } from './link-errors.js';
import { PendingFrames } from './pending.js';
import { ReplayWindow } from './replay.js';
import type { DropReason, FrameKind, LostCause } from './types.js';

export interface LinkOptions {
  rank: number;
  peer: number;
  address: string;
  /** IPv4 address to connect from (this rank's published one), when it is local. */
  sourceIp: string | undefined;
  codec: FrameCodec;
  ctx: DecodeContext;
  timeoutMs: number;
  maxInflightBytes: number;
  lostGraceMs: number;
  retransmitMs: number;
  /** Copy the body and resolve once queued, instead of waiting for the ack. */
  copy: boolean;
  curve: CurveKeys | undefined;
  /** Interval of the heartbeat (ms; 0: none); the peer is lost after `heartbeatMisses` silent intervals. */
  heartbeatMs: number;
  heartbeatMisses: number;
  onLost(peer: number, why: string, cause: LostCause): void;
  onDrop(reason: DropReason): void;
  onRetransmit(): void;
}

export class Link {
  private readonly dealer: Dealer;
  private dataSeq = 0;
  private controlSeq = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly pending: PendingFrames;
  private readonly replies = new ReplayWindow();
  private grace: NodeJS.Timeout | undefined;
  /** The connection dropped since the last connect. */
  private down = false;
  private closed = false;
  /** Date.now() when the peer last answered anything (ack, pong, bye) on this link. */
  private lastHeard = Date.now();
  private beat: NodeJS.Timeout | undefined;
  /** Date.now() at the last heartbeat tick: a late tick means this process was stalled, not the peer. */
  private lastTick = Date.now();
  private lastPing = 0;
  /** A heartbeat ping is waiting behind earlier sends: do not queue another. */
  private beatQueued = false;
  lost: string | undefined;

  constructor(private readonly o: LinkOptions) {
    this.dealer = new Dealer({
      linger: CLOSE_LINGER_MS,
      // No ZMTP heartbeats over ipc: a dead process's socket closes at once, and libzmq 4.3.5
      // aborts (`!_io_error`, stream_engine_base.cpp) when a heartbeat fires on an ipc
      // connection whose peer hung up while its input was stopped (see the runtime README).
      // Nor over tcp when dtrain's own heartbeat runs (it notices a dead host too, and a stopped one): the same
      // abort is possible there, and was seen when a replacement's peers closed at the end of a job.
      ...(o.address.startsWith('ipc://') || o.heartbeatMs > 0 ? {} : { heartbeatInterval: HEARTBEAT_INTERVAL_MS, heartbeatTimeout: HEARTBEAT_TIMEOUT_MS }),
      maxMessageSize: MAX_REPLY_PART_BYTES,
      ipv6: o.address.startsWith('tcp://['),
    });
    if (o.curve !== undefined) {
      this.dealer.curveServerKey = o.curve.serverPublic;
      this.dealer.curvePublicKey = o.curve.clientPublic;
      this.dealer.curveSecretKey = o.curve.clientSecret;
    }
    this.pending = new PendingFrames({
      retransmitMs: o.retransmitMs,
      resend: (parts) => {
        if (this.closed || this.lost !== undefined) return;
        this.o.onRetransmit();
        void this.enqueueParts(parts).catch(() => undefined);
      },
    });
    this.dealer.events.on('disconnect', () => this.onDisconnect());
    this.dealer.events.on('connect', () => this.onConnect());
    // From the address this rank published, so the peer's admission check (zap.ts) finds it in the table.
    const v4 = /^tcp:\/\/(\d+\.\d+\.\d+\.\d+:\d+)$/.exec(o.address);
    this.dealer.connect(o.sourceIp !== undefined && v4 !== null ? `tcp://${o.sourceIp}:0;${v4[1]}` : o.address);
    void this.receiveLoop();
    if (o.heartbeatMs > 0) {
      // Ticks four times an interval, so a silent peer is lost within misses x interval of its last answer.
      this.beat = setInterval(() => this.heartbeat(), Math.max(1, Math.floor(o.heartbeatMs / 4)));
      this.beat.unref();
    }
  }

  /**
   * Every interval: a peer silent for `heartbeatMisses` intervals is lost;
   * one silent for most of an interval gets a ping (a control frame, MACed
   * and numbered like every other, answered by its ROUTER with a pong).
   * Pings are not retransmitted: the next interval sends a fresh one.
   */
  private heartbeat(): void {
    if (this.closed || this.lost !== undefined) return this.stopBeat();
    const now = Date.now();
    // This process did not run for two intervals (it was stopped, or its event loop blocked): the
    // silence was ours. Ask again before judging the peer (the peers may have excluded us meanwhile).
    if (now - this.lastTick > 2 * this.o.heartbeatMs) this.lastHeard = now - this.o.heartbeatMs;
    this.lastTick = now;
    const silent = now - this.lastHeard;
    const limit = this.o.heartbeatMs * this.o.heartbeatMisses - this.o.heartbeatMs / 4;
    if (silent >= limit) {
      this.markLost(`it answered no heartbeat for ${(silent / 1000).toFixed(1)} s (${this.o.heartbeatMisses} intervals of ${this.o.heartbeatMs} ms): stopped, hung or cut off`, 'heartbeat');
      return;
    }
    // A ping once an interval at most, when the peer has been silent for most of one.
    if (silent < this.o.heartbeatMs * 0.75 || now - this.lastPing < this.o.heartbeatMs * 0.75 || this.beatQueued) return;
    this.lastPing = now;
    this.beatQueued = true;
    void this.enqueueParts(this.encode('ping', ++this.controlSeq, 0, 0))
      .catch(() => undefined)
      .finally(() => (this.beatQueued = false));
  }

  private stopBeat(): void {
    if (this.beat !== undefined) clearInterval(this.beat);
    this.beat = undefined;
  }

  /** Sends a data frame; resolves when `body` may be written again (ack, or after a copy). */
  async sendData(iter: number, tag: number, body: Float32Array | Packed): Promise<void> {
    const deadline = Date.now() + this.o.timeoutMs;
    const byteLength = bodyBytes(body);
    this.throwIfGone(iter);
    await this.reserve(byteLength, iter, deadline);
    const seq = ++this.dataSeq;
    const payload = !this.o.copy ? body : body instanceof Float32Array ? new Float32Array(body) : { ...body, bytes: new Uint8Array(body.bytes) };
    const parts = this.encode('data', seq, iter, tag, payload);
    const acked = this.pending.expect(`d${seq}`, parts, iter, byteLength, deadline, () => this.timeoutError(iter, 'acknowledge'));
    if (this.o.copy) acked.catch(() => undefined);
    await this.enqueueParts(parts, `d${seq}`);
    if (!this.o.copy) await acked;
  }

  /** Resolves once every data frame sent so far was acknowledged, the peer is lost, or at `deadline`. */
  async drain(deadline: number): Promise<void> {
    while (this.pending.inflight > 0 && !this.closed && this.lost === undefined && Date.now() < deadline) {
      await this.pending.changed(deadline);
    }
  }

  /** Resolves when the peer answers a ping. */
  async ping(deadline: number): Promise<void> {
    this.throwIfGone(0);
    const seq = ++this.controlSeq;
    const parts = this.encode('ping', seq, 0, 0);
    const ponged = this.pending.expect(`c${seq}`, parts, 0, 0, deadline, () => this.timeoutError(0, 'answer a ping'));
    await this.enqueueParts(parts, `c${seq}`);
    await ponged;
  }

  /** Elastic replacement: asks the peer to take this process back in (`body`: its address); resolves on the peer's pong. */
  async join(body: Float32Array, deadline: number): Promise<void> {
    this.throwIfGone(0);
    const seq = ++this.controlSeq;
    const parts = this.encode('join', seq, 0, 0, body);
    const ponged = this.pending.expect(`c${seq}`, parts, 0, 0, deadline, () => this.timeoutError(0, 'answer a join'));
    await this.enqueueParts(parts, `c${seq}`);
    await ponged;
  }

  /** Tells the peer this rank closes; waits at most `ms` for the frame to be queued. */
  async bye(ms: number): Promise<void> {
    if (this.closed || this.lost !== undefined) return;
    const sent = this.enqueueParts(this.encode('bye', ++this.controlSeq, 0, 0)).catch(() => undefined);
    await Promise.race([sent, new Promise((r) => setTimeout(r, ms).unref())]);
  }

  /** Marks the peer gone: pending sends reject with E_PEER_LOST. */
  markLost(why: string, cause: LostCause): void {
    if (this.closed || this.lost !== undefined) return;
    this.lost = why;
    clearTimeout(this.grace);
    this.stopBeat();
    this.pending.failAll((iter) => this.lostError(iter));
    this.o.onLost(this.o.peer, why, cause);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.grace);
    this.stopBeat();
    this.pending.failAll(() => closedError(this.o.rank));
    // The short linger (CLOSE_LINGER_MS) lets the queued 'bye' reach the peer: without it the peer
    // learns of the close only when the connection's grace runs out, after some other rank's news.
    this.dealer.close();
  }

  private encode(kind: FrameKind, seq: number, iter: number, tag: number, body?: Float32Array | Packed): Buffer[] {
    return encodeFrame(this.o.codec, 'link', { kind, from: this.o.rank, to: this.o.peer, iter, tag, seq }, body);
  }

  /** Queues `parts` behind earlier sends; `key`'s retransmit timer starts once they are queued. */
  private enqueueParts(parts: Buffer[], key?: string): Promise<void> {
    const run = this.tail.then(async () => {
      if (this.closed) throw closedError(this.o.rank);
      await this.dealer.send(parts);
      if (key !== undefined) this.pending.sent(key);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Back-pressure by bytes: wait until this body fits in the in-flight budget (one frame always may). */
  private async reserve(bytes: number, iter: number, deadline: number): Promise<void> {
    while (this.pending.inflight > 0 && this.pending.inflight + bytes > this.o.maxInflightBytes) {
      this.throwIfGone(iter);
      if (Date.now() >= deadline) throw this.timeoutError(iter, 'drain earlier frames');
      await this.pending.changed(deadline);
    }
    this.throwIfGone(iter);
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const parts of this.dealer) this.onReply(parts);
    } catch {
      // The socket closed: nothing more to read.
    }
  }

  private onReply(parts: Buffer[]): void {
    const decoded = decodeFrame(this.o.ctx, 'reply', parts);
    if (!decoded.ok) return this.o.onDrop(decoded.reason);
    const { kind, header } = decoded.frame;
    if (header.from !== this.o.peer) return this.o.onDrop('unknown-peer');
    if (!this.replies.accept(header.seq)) return this.o.onDrop('replay');
    this.lastHeard = Date.now();
    // The peer closed (ref 1: it excluded this rank from the job): every ack it owed us came before this on this connection.
    if (kind === 'bye' && header.ref === BYE_EXCLUDED) this.markLost('it excluded this rank from the job\'s membership', 'excluded');
    else if (kind === 'bye') this.markLost('it closed its transport', 'closed');
    // An answer to a frame no longer pending is the echo of a retransmit: nothing to do.
    else this.pending.settle(`${kind === 'ack' ? 'd' : 'c'}${header.ref}`);
  }

  private onDisconnect(): void {
    this.down = true;
    if (this.closed || this.lost !== undefined || this.grace !== undefined) return;
    this.grace = setTimeout(() => {
      this.grace = undefined;
      this.markLost(`its connection at ${this.o.address} dropped and did not come back within ${this.o.lostGraceMs} ms`, 'connection');
    }, this.o.lostGraceMs);
  }

  private onConnect(): void {
    clearTimeout(this.grace);
    this.grace = undefined;
    if (this.down && !this.closed && this.lost === undefined) this.pending.resendAll();
    this.down = false;
  }

  private throwIfGone(iter: number): void {
    if (this.closed) throw closedError(this.o.rank);
    if (this.lost !== undefined) throw this.lostError(iter);
  }

  private lostError(iter: number): PeerError {
    return linkLostError(this.o, iter, this.lost ?? 'lost');
  }

  private timeoutError(iter: number, what: string): PeerError {
    return linkTimeoutError(this.o, iter, what);
  }
}
