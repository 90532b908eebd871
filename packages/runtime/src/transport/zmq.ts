/**
 * The ZeroMQ transport. Each rank binds one ROUTER (tcp:// or ipc://) that
 * receives every peer's frames and answers with acks/pongs on the same
 * connection, and opens one DEALER Link per peer it talks to. Received data
 * frames are checked (frame.ts), de-duplicated by per-link sequence number
 * and routed to the Inbox's per-(peer, iteration, tag) queues.
 */
import type { Router } from 'zeromq';
import { TransportError } from '../errors.js';
import { CLOSE_BYE_WAIT_MS, CLOSE_FLUSH_LINGER_MS } from './constants.js';
import { copyStats, closedError, Inbox } from './inbox.js';
import type { CurveKeys } from './curve.js';
import { decodeFrame, encodeFrame, type DecodeContext } from './frame.js';
import { Link } from './link.js';
import type { CheckOptions, RecvOptions, Transport, TransportStats } from './types.js';
import { checkBody, checkLink } from './validate.js';

export interface ZmqTransportInit {
  rank: number;
  size: number;
  /** Endpoint of every rank's ROUTER, index = rank. */
  addresses: readonly string[];
  /** This rank's ROUTER, bound at addresses[rank] (CURVE already configured). */
  router: Router;
  ctx: DecodeContext;
  timeoutMs: number;
  maxInflightBytes: number;
  lostGraceMs: number;
  copy: boolean;
  curve: CurveKeys | undefined;
  /** Runs last in close(): rendezvous socket, ipc file. */
  cleanup(): Promise<void>;
}

export class ZmqTransport implements Transport {
  readonly rank: number;
  readonly size: number;
  readonly timeoutMs: number;
  private readonly inbox: Inbox;
  private readonly links = new Map<number, Link>();
  private readonly lastSeq = new Map<number, number>();
  /** Routing id of each peer's DEALER connection to our ROUTER (where its acks go). */
  private readonly routes = new Map<number, Buffer>();
  private readonly pingedBy = new Set<number>();
  private pingWaiters: Array<() => void> = [];
  private replyTail: Promise<unknown> = Promise.resolve();
  private sent = { bytesSent: 0, framesSent: 0 };
  private closed = false;
  /** Set once the sockets are closed; until then acks keep flowing (peers may be draining too). */
  private socketsClosed = false;

  constructor(private readonly init: ZmqTransportInit) {
    this.rank = init.rank;
    this.size = init.size;
    this.timeoutMs = init.timeoutMs;
    this.inbox = new Inbox({ rank: init.rank, size: init.size, timeoutMs: init.timeoutMs, address: (p) => this.address(p) });
    void this.receiveLoop();
  }

  address(peer: number): string {
    return this.init.addresses[peer] ?? `rank ${peer} (no address)`;
  }

  async send(peer: number, iter: number, tag: number, body: Float32Array): Promise<void> {
    checkLink(this.rank, this.size, peer, iter, tag);
    checkBody(body, this.init.ctx.maxElements);
    if (this.closed) throw closedError(this.rank);
    await this.link(peer).sendData(iter, tag, body);
    this.sent.bytesSent += body.byteLength;
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

  async checkPeers(peers: readonly number[], options: CheckOptions = {}): Promise<void> {
    if (this.closed) throw closedError(this.rank);
    for (const peer of peers) checkLink(this.rank, this.size, peer, 0, 0);
    const deadline = options.deadline ?? Date.now() + this.timeoutMs;
    const problems = await Promise.all(peers.map((peer) => this.checkOne(peer, deadline)));
    const bad = problems.filter((p): p is string => p !== undefined);
    if (bad.length > 0) {
      throw new TransportError(
        'E_TRANSPORT_UNREACHABLE',
        `rank ${this.rank} (${this.address(this.rank)}) cannot exchange with ${bad.length} peer(s): ${bad.join('; ')}. ` +
          `Check that those ranks run, that the addresses are reachable from here (firewall, interface: iface / DTRAIN_IFACE), ` +
          `and that all ranks share the job id and secret`,
      );
    }
  }

  stats(): TransportStats {
    return copyStats({ ...this.inbox.stats, ...this.sent });
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
    for (const [peer, routingId] of this.routes) this.reply(routingId, 'bye', peer, this.lastSeq.get(peer) ?? 0, 0, 0);
    // Our DEALERs tell each peer's ROUTER that no more data comes (its receives fail at once).
    await Promise.all([...this.links.values()].map((link) => link.bye(CLOSE_BYE_WAIT_MS)));
    await untilOr(this.replyTail, deadline);
    this.inbox.close();
    this.socketsClosed = true;
    for (const link of this.links.values()) link.close();
    this.init.router.linger = CLOSE_FLUSH_LINGER_MS;
    this.init.router.close();
    for (const wake of this.pingWaiters) wake();
    await this.init.cleanup();
  }

  private async checkOne(peer: number, deadline: number): Promise<string | undefined> {
    const where = `${this.rank}<->${peer} (${this.address(peer)})`;
    try {
      await this.link(peer).ping(deadline);
    } catch (error) {
      return `${where}: no answer to our ping (${(error as Error).message})`;
    }
    while (!this.pingedBy.has(peer)) {
      if (this.closed) return `${where}: closed`;
      const left = deadline - Date.now();
      if (left <= 0) return `${where}: it answers but its own ping never reached us`;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.pingWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return undefined;
  }

  private link(peer: number): Link {
    let link = this.links.get(peer);
    if (link === undefined) {
      link = new Link({
        rank: this.rank,
        peer,
        address: this.address(peer),
        ctx: this.init.ctx,
        timeoutMs: this.timeoutMs,
        maxInflightBytes: this.init.maxInflightBytes,
        lostGraceMs: this.init.lostGraceMs,
        copy: this.init.copy,
        curve: this.init.curve,
        onLost: (p, why) => this.inbox.peerLost(p, why),
        onDrop: (reason) => this.inbox.drop(reason),
      });
      this.links.set(peer, link);
    }
    return link;
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
    const decoded = decodeFrame(this.init.ctx, parts);
    if (!decoded.ok) {
      this.inbox.drop(decoded.reason);
      return;
    }
    const { header } = decoded.frame;
    if (header.seq <= (this.lastSeq.get(header.from) ?? 0)) {
      this.inbox.drop('duplicate');
      return;
    }
    this.lastSeq.set(header.from, header.seq);
    this.routes.set(header.from, routingId);
    switch (decoded.frame.kind) {
      case 'data':
        this.reply(routingId, 'ack', header.from, header.seq, header.iter, header.tag);
        this.inbox.deliver(header.from, header.iter, header.tag, decoded.frame.body);
        return;
      case 'ping': {
        this.reply(routingId, 'pong', header.from, header.seq, 0, 0);
        this.pingedBy.add(header.from);
        const waiters = this.pingWaiters;
        this.pingWaiters = [];
        for (const wake of waiters) wake();
        return;
      }
      case 'bye':
        // Its data came before this on the same connection; our pending sends to it learn of
        // the close from the 'bye' that follows its acks on the other connection (link.ts).
        this.inbox.peerLost(header.from, 'it closed its transport');
        return;
      default:
        this.inbox.drop('malformed');
    }
  }

  /** Acks, pongs and byes go back on the connection the frame came from, in order; one pending send per socket. */
  private reply(routingId: Buffer, kind: 'ack' | 'pong' | 'bye', to: number, seq: number, iter: number, tag: number): void {
    if (this.socketsClosed) return;
    const parts = encodeFrame(this.init.ctx, { kind, from: this.rank, to, iter, tag, seq });
    this.replyTail = this.replyTail.then(() => (this.socketsClosed ? undefined : this.init.router.send([routingId, ...parts]))).catch(() => undefined);
  }
}

/** Resolves when `work` settles or at `deadline`, whichever comes first. */
async function untilOr(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
  await Promise.race([work.then(() => undefined, () => undefined), late]);
  clearTimeout(timer);
}
