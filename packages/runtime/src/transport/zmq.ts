/**
 * The ZeroMQ transport. Each rank binds one ROUTER (tcp:// or ipc://) that
 * receives every peer's frames and answers with acks/pongs on the same
 * connection, and opens one DEALER Link per peer it talks to. Received
 * frames are verified (frame.ts) before anything reads their body, checked
 * against a replay window per peer and sequence space (replay.ts), and data
 * is routed to the Inbox's per-(peer, iteration, tag) queues.
 */
import { bodyBytes, type Packed } from './codec.js';
import { linkSettings, untilOr, wakeable, type ZmqTransportInit } from './zmq-util.js';
import { BYE_EXCLUDED, CLOSE_BYE_WAIT_MS, CLOSE_FLUSH_LINGER_MS } from './constants.js';
import { copyStats, closedError, Inbox } from './inbox.js';
import { decodeFrame, encodeFrame, spaceOf } from './frame.js';
import { Link } from './link.js';
import { ReplayGuard } from './replay.js';
import { Admission, addressBody, addressOf } from './admission.js';
import { hostOf } from './hosts.js';
import { checkPeerLinks } from './ping.js';
import type { CheckOptions, FrameHeader, LostCause, PeerLoss, RecvOptions, Transport, TransportStats } from './types.js';
import { checkBody, checkFrameLimit, checkLink } from './validate.js';

export { partLimit, type ZmqTransportInit } from './zmq-util.js';

export class ZmqTransport implements Transport {
  readonly rank: number;
  readonly size: number;
  readonly timeoutMs: number;
  /** Refused connections are counted here too (ZAP, connect.ts). */
  readonly inbox: Inbox;
  private readonly links = new Map<number, Link>();
  private readonly guard = new ReplayGuard();
  private readonly replySeq = new Map<number, number>();
  /** Routing id of each peer's DEALER connection to our ROUTER (where its acks go). */
  private readonly routes = new Map<number, Buffer>();
  private readonly pingedBy = new Set<number>();
  /** Ranks removed from the membership and the instances retired (admission.ts). */
  private readonly admission: Admission;
  private readonly losses = new Map<number, PeerLoss>();
  private readonly addressTable: string[];
  onJoin: ((peer: number, inst: string, address: string) => void) | undefined;
  private pingWaiters: Array<() => void> = [];
  private replyTail: Promise<unknown> = Promise.resolve();
  private sent = { bytesSent: 0, framesSent: 0, framesResent: 0 };
  private readonly sentTo: number[];
  private closed = false;
  /** Set once the sockets are closed; until then acks keep flowing (peers may be draining too). */
  private socketsClosed = false;

  constructor(private readonly init: ZmqTransportInit) {
    this.rank = init.rank;
    this.size = init.size;
    this.timeoutMs = init.timeoutMs;
    this.sentTo = new Array<number>(init.size).fill(0);
    this.addressTable = [...init.addresses];
    this.admission = new Admission(init.ctx.keys);
    this.inbox = new Inbox({ rank: init.rank, size: init.size, timeoutMs: init.timeoutMs, address: (p) => this.address(p), onDrop: init.onDrop });
    void this.receiveLoop();
  }

  /** This process's instance id (published at the rendezvous, in every frame). */
  get instance(): string {
    return this.init.codec.inst;
  }

  address(peer: number): string {
    return this.addressTable[peer] ?? `rank ${peer} (no address)`;
  }

  async send(peer: number, iter: number, tag: number, body: Float32Array | Packed): Promise<void> {
    checkLink(this.rank, this.size, peer, iter, tag);
    checkBody(body, this.init.ctx.maxElements);
    if (this.closed) throw closedError(this.rank);
    await this.link(peer).sendData(iter, tag, body);
    const bytes = bodyBytes(body);
    this.sent.bytesSent += bytes;
    this.sentTo[peer] += bytes;
    this.sent.framesSent += 1;
  }

  recv(peer: number, iter: number, tag: number, options?: RecvOptions): Promise<Float32Array> {
    try {
      checkLink(this.rank, this.size, peer, iter, tag);
      if (!this.closed) this.link(peer); // connected, so its loss is noticed
    } catch (error) {
      return Promise.reject(error);
    }
    return this.inbox.take(peer, iter, tag, options);
  }

  finish(iter: number): void {
    this.inbox.finish(iter);
  }

  /**
   * Bodies above `maxElements` are refused from now on, sent or received,
   * before their MAC is read. ZeroMQ's own per-part limit stays the one the
   * ROUTER was bound with (it reads it at bind time; binding again to lower
   * it drops every connection and can trip a libzmq assertion).
   */
  async limitFrames(maxElements: number): Promise<void> {
    checkFrameLimit(maxElements);
    if (maxElements < this.init.ctx.maxElements) this.init.ctx.maxElements = maxElements;
  }

  async checkPeers(peers: readonly number[], options: CheckOptions = {}): Promise<void> {
    if (this.closed) throw closedError(this.rank);
    for (const peer of peers) checkLink(this.rank, this.size, peer, 0, 0);
    await checkPeerLinks({
      rank: this.rank,
      peers,
      deadline: options.deadline ?? Date.now() + this.timeoutMs,
      address: (p) => this.address(p),
      ping: (peer, deadline) => this.link(peer).ping(deadline),
      pingedBy: (peer) => this.pingedBy.has(peer),
      closed: () => this.closed,
      waitForPing: (ms) => wakeable(ms, this.pingWaiters),
    });
  }

  stats(): TransportStats {
    return copyStats({ ...this.inbox.stats, ...this.sent, bytesSentTo: this.sentTo, released: this.init.release.stats() });
  }

  exclude(peer: number, why: string): void {
    checkLink(this.rank, this.size, peer, 0, 0);
    if (this.closed || !this.admission.exclude(peer, why)) return;
    const route = this.routes.get(peer);
    if (route !== undefined) this.reply(route, 'bye', peer, BYE_EXCLUDED, 0, 0);
    const link = this.links.get(peer);
    if (link !== undefined) {
      void link.bye(0);
      link.markLost(why, 'excluded');
    }
    this.lost(peer, why, 'excluded');
  }

  lostReason(peer: number): PeerLoss | undefined {
    return this.losses.get(peer);
  }

  readmit(peer: number, inst: string, address: string): void {
    checkLink(this.rank, this.size, peer, 0, 0);
    if (this.closed) return;
    this.admission.readmit(peer, inst);
    this.addressTable[peer] = address;
    this.init.allowHost(hostOf(address));
    const old = this.links.get(peer);
    this.links.delete(peer);
    old?.close();
    this.guard.forget(peer);
    this.routes.delete(peer);
    this.losses.delete(peer);
    this.inbox.readmit(peer);
  }

  async announceJoin(peers: readonly number[], deadline: number): Promise<number[]> {
    const body = addressBody(this.address(this.rank));
    const answered = await Promise.all(peers.map((p) => this.link(p).join(body, deadline).then(() => p, () => -1)));
    return answered.filter((p) => p >= 0);
  }

  /** A replacement's join: answered (pong) and told to onJoin unless its instance left before or replays. */
  private onJoinFrame(routingId: Buffer, header: FrameHeader, body: Uint8Array): void {
    const verdict = this.admission.join(header);
    if (verdict !== 'retired') this.reply(routingId, 'pong', header.from, header.seq, 0, 0);
    if (verdict === 'retired' || verdict === 'repeat') this.inbox.drop('replay');
    if (verdict === 'fresh') this.onJoin?.(header.from, header.inst, addressOf(body));
  }

  /**
   * Closes in an order that loses nothing a peer still waits for: our data
   * frames are acknowledged first (drain), then every acknowledgement we owe
   * is queued ahead of a 'bye' on the same connection (so a peer sees its
   * last acks before it learns we are gone), and the ROUTER lingers long
   * enough to put them on the wire. All of it bounded by the timeout.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const deadline = Date.now() + this.timeoutMs;
    await Promise.all([...this.links.values()].map((link) => link.drain(deadline)));
    // Acks travel ROUTER -> peer's DEALER: a 'bye' behind them on that connection reaches the peer after them.
    for (const [peer, routingId] of this.routes) this.reply(routingId, 'bye', peer, 0, 0, 0);
    // Our DEALERs tell each peer's ROUTER that no more data comes (its receives fail at once).
    await Promise.all([...this.links.values()].map((link) => link.bye(CLOSE_BYE_WAIT_MS)));
    await untilOr(this.replyTail, deadline);
    this.inbox.close();
    this.socketsClosed = true;
    for (const link of this.links.values()) link.close();
    this.init.router.linger = CLOSE_FLUSH_LINGER_MS;
    this.init.router.close();
    this.wakePingWaiters();
    await this.init.cleanup();
  }

  private link(peer: number): Link {
    let link = this.links.get(peer);
    if (link === undefined) {
      link = new Link({
        ...linkSettings(this.init),
        rank: this.rank,
        peer,
        address: this.address(peer),
        onLost: (p, why, cause) => this.lost(p, why, cause),
        onDrop: (reason) => this.inbox.drop(reason),
        onRetransmit: () => (this.sent.framesResent += 1),
      });
      this.links.set(peer, link);
    }
    return link;
  }

  private lost(peer: number, why: string, cause: LostCause): void {
    if (this.closed || this.losses.has(peer)) return;
    this.losses.set(peer, { cause, why });
    this.inbox.peerLost(peer, why);
    this.init.onPeerLost?.(peer, why, cause);
  }

  release(body: Float32Array): void {
    this.init.release.done(body.byteLength);
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const [routingId, ...parts] of this.init.router) {
        if (routingId !== undefined) this.onMessage(routingId, parts);
      }
    } catch {
      // The socket closed.
    }
  }

  private onMessage(routingId: Buffer, parts: Buffer[]): void {
    const decoded = decodeFrame(this.init.ctx, 'link', parts);
    if (!decoded.ok) {
      this.inbox.drop(decoded.reason);
      return;
    }
    const { kind, header } = decoded.frame;
    if (decoded.frame.kind === 'join') return this.onJoinFrame(routingId, header, decoded.frame.body);
    if (this.admission.excluded.has(header.from)) {
      // It was removed from the job (it may have been stopped and continued): tell it so, take nothing from it.
      this.inbox.drop('unknown-peer');
      if (kind !== 'bye') this.reply(routingId, 'bye', header.from, BYE_EXCLUDED, 0, 0);
      return;
    }
    if (!this.guard.accept(header.from, spaceOf(kind, 'link'), header.seq)) {
      this.inbox.drop('replay');
      // Answer again on the connection it came by: if our first answer was lost, the sender needs one.
      if (kind === 'data') this.reply(routingId, 'ack', header.from, header.seq, header.iter, header.tag);
      else if (kind === 'ping') this.reply(routingId, 'pong', header.from, header.seq, 0, 0);
      return;
    }
    this.routes.set(header.from, routingId);
    switch (decoded.frame.kind) {
      case 'data':
        this.reply(routingId, 'ack', header.from, header.seq, header.iter, header.tag);
        this.inbox.deliver(header.from, header.iter, header.tag, decoded.frame.body, header.dtype, header.length);
        return;
      case 'ping':
        this.reply(routingId, 'pong', header.from, header.seq, 0, 0);
        this.pingedBy.add(header.from);
        this.wakePingWaiters();
        return;
      case 'bye':
        // Its data came before this on the same connection; our pending sends to it learn of
        // the close from the 'bye' that follows its acks on the other connection (link.ts).
        this.lost(header.from, 'it closed its transport', 'closed');
        return;
      default:
        this.inbox.drop('malformed');
    }
  }

  private wakePingWaiters(): void {
    const waiters = this.pingWaiters;
    this.pingWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Acks, pongs and byes go back on the connection the frame came from, in order; one pending send per socket. */
  private reply(routingId: Buffer, kind: 'ack' | 'pong' | 'bye', to: number, ref: number, iter: number, tag: number): void {
    if (this.socketsClosed) return;
    const seq = (this.replySeq.get(to) ?? 0) + 1;
    this.replySeq.set(to, seq);
    const parts = encodeFrame(this.init.codec, 'reply', { kind, from: this.rank, to, iter, tag, seq, ref });
    this.replyTail = this.replyTail.then(() => (this.socketsClosed ? undefined : this.init.router.send([routingId, ...parts]))).catch(() => undefined);
  }
}
