/**
 * One rank's outgoing link to one peer: a DEALER connected to the peer's
 * ROUTER. Sends are serialized (one pending send per socket) and each data
 * frame is acknowledged by the peer over the same connection, which is what
 * lets send() resolve only once the body may be reused, and bounds the bytes
 * in flight. A dropped connection that stays down marks the peer lost.
 */
import { Dealer } from 'zeromq';
import { PeerError } from '../errors.js';
import {
  CLOSE_LINGER_MS,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TIMEOUT_MS,
} from './constants.js';
import type { CurveKeys } from './curve.js';
import { decodeFrame, encodeFrame, type DecodeContext } from './frame.js';
import { closedError } from './inbox.js';
import type { DropReason, FrameKind } from './types.js';

export interface LinkOptions {
  rank: number;
  peer: number;
  address: string;
  ctx: DecodeContext;
  timeoutMs: number;
  maxInflightBytes: number;
  lostGraceMs: number;
  /** Copy the body and resolve once queued, instead of waiting for the ack. */
  copy: boolean;
  curve: CurveKeys | undefined;
  onLost(peer: number, why: string): void;
  onDrop(reason: DropReason): void;
}

interface Pending {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  bytes: number;
  iter: number;
}

export class Link {
  private readonly dealer: Dealer;
  private seq = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private inflight = 0;
  private budgetWaiters: Array<() => void> = [];
  private grace: NodeJS.Timeout | undefined;
  private closed = false;
  lost: string | undefined;

  constructor(private readonly o: LinkOptions) {
    this.dealer = new Dealer({
      linger: CLOSE_LINGER_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
      ipv6: o.address.startsWith('tcp://['),
    });
    if (o.curve !== undefined) {
      this.dealer.curveServerKey = o.curve.serverPublic;
      this.dealer.curvePublicKey = o.curve.clientPublic;
      this.dealer.curveSecretKey = o.curve.clientSecret;
    }
    this.dealer.events.on('disconnect', () => this.onDisconnect());
    this.dealer.events.on('connect', () => this.onConnect());
    this.dealer.connect(o.address);
    void this.receiveLoop();
  }

  /** Sends a data frame; resolves when `body` may be written again (ack, or after a copy). */
  async sendData(iter: number, tag: number, body: Float32Array): Promise<void> {
    const deadline = Date.now() + this.o.timeoutMs;
    this.throwIfGone(iter);
    await this.reserve(body.byteLength, iter, deadline);
    const seq = ++this.seq;
    const payload = this.o.copy ? new Float32Array(body) : body;
    const acked = this.expect(seq, iter, deadline, body.byteLength, 'acknowledge');
    if (this.o.copy) acked.catch(() => undefined);
    await this.enqueue('data', seq, iter, tag, payload);
    if (!this.o.copy) await acked;
  }

  /** Resolves once every data frame sent so far was acknowledged, the peer is lost, or at `deadline`. */
  async drain(deadline: number): Promise<void> {
    while (this.inflight > 0 && !this.closed && this.lost === undefined && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.budgetWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves when the peer answers a ping. */
  async ping(deadline: number): Promise<void> {
    this.throwIfGone(0);
    const seq = ++this.seq;
    const ponged = this.expect(seq, 0, deadline, 0, 'answer a ping');
    await this.enqueue('ping', seq, 0, 0);
    await ponged;
  }

  /** Tells the peer this rank closes; waits at most `ms` for the frame to be queued. */
  async bye(ms: number): Promise<void> {
    if (this.closed || this.lost !== undefined) return;
    const sent = this.enqueue('bye', ++this.seq, 0, 0).catch(() => undefined);
    await Promise.race([sent, new Promise((r) => setTimeout(r, ms).unref())]);
  }

  /** Marks the peer gone: pending sends reject with E_PEER_LOST. */
  markLost(why: string): void {
    if (this.closed || this.lost !== undefined) return;
    this.lost = why;
    clearTimeout(this.grace);
    for (const [seq, p] of this.pending) this.settle(seq, this.lostError(p.iter));
    this.wakeBudget();
    this.o.onLost(this.o.peer, why);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.grace);
    for (const seq of [...this.pending.keys()]) this.settle(seq, closedError(this.o.rank));
    this.wakeBudget();
    this.dealer.close();
  }

  private enqueue(kind: FrameKind, seq: number, iter: number, tag: number, body?: Float32Array): Promise<void> {
    const parts = encodeFrame(this.o.ctx, { kind, from: this.o.rank, to: this.o.peer, iter, tag, seq }, body);
    const run = this.tail.then(async () => {
      if (this.closed) throw closedError(this.o.rank);
      await this.dealer.send(parts);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private expect(seq: number, iter: number, deadline: number, bytes: number, what: string): Promise<void> {
    this.inflight += bytes;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(seq, this.timeoutError(iter, what)), Math.max(0, deadline - Date.now()));
      this.pending.set(seq, { resolve, reject, timer, bytes, iter });
    });
  }

  private settle(seq: number, error?: Error): void {
    const p = this.pending.get(seq);
    if (p === undefined) return;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    this.inflight -= p.bytes;
    this.wakeBudget();
    if (error === undefined) p.resolve();
    else p.reject(error);
  }

  /** Back-pressure by bytes: wait until this body fits in the in-flight budget (one frame always may). */
  private async reserve(bytes: number, iter: number, deadline: number): Promise<void> {
    while (this.inflight > 0 && this.inflight + bytes > this.o.maxInflightBytes) {
      this.throwIfGone(iter);
      if (Date.now() >= deadline) throw this.timeoutError(iter, 'drain earlier frames');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.budgetWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.throwIfGone(iter);
  }

  private wakeBudget(): void {
    const waiters = this.budgetWaiters;
    this.budgetWaiters = [];
    for (const wake of waiters) wake();
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const parts of this.dealer) {
        const decoded = decodeFrame(this.o.ctx, parts);
        if (!decoded.ok) {
          this.o.onDrop(decoded.reason);
          continue;
        }
        const { kind, header } = decoded.frame;
        if (header.from !== this.o.peer) this.o.onDrop('unknown-peer');
        // The peer closed: every ack it owed us came before this on this connection.
        else if (kind === 'bye') this.markLost('it closed its transport');
        else if ((kind === 'ack' || kind === 'pong') && this.pending.has(header.seq)) this.settle(header.seq);
        else this.o.onDrop(kind === 'ack' || kind === 'pong' ? 'duplicate' : 'malformed');
      }
    } catch {
      // The socket closed: nothing more to read.
    }
  }

  private onDisconnect(): void {
    if (this.closed || this.lost !== undefined || this.grace !== undefined) return;
    this.grace = setTimeout(() => {
      this.grace = undefined;
      this.markLost(`its connection at ${this.o.address} dropped and did not come back within ${this.o.lostGraceMs} ms`);
    }, this.o.lostGraceMs);
  }

  private onConnect(): void {
    clearTimeout(this.grace);
    this.grace = undefined;
  }

  private throwIfGone(iter: number): void {
    if (this.closed) throw closedError(this.o.rank);
    if (this.lost !== undefined) throw this.lostError(iter);
  }

  private lostError(iter: number): PeerError {
    const { rank, peer, address } = this.o;
    return new PeerError(
      'E_PEER_LOST',
      peer,
      address,
      iter,
      `rank ${rank}: rank ${peer} (${address}) is gone (${this.lost ?? 'lost'}) while iteration ${iter} was being sent to it; ` +
        `see that rank's log for why it stopped`,
    );
  }

  private timeoutError(iter: number, what: string): PeerError {
    const { rank, peer, address, timeoutMs } = this.o;
    return new PeerError(
      'E_PEER_TIMEOUT',
      peer,
      address,
      iter,
      `rank ${rank}: rank ${peer} (${address}) did not ${what} for iteration ${iter} within ${timeoutMs} ms; ` +
        `check that it runs and that this host reaches ${address}, or raise the timeout (timeoutMs, DTRAIN_TIMEOUT_MS)`,
    );
  }
}
