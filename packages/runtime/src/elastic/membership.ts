/**
 * Agreement on the live ranks without a coordinator; the protocol and why it
 * is safe are in docs/elastic.md. In short: every rank counts departures and
 * returns per rank (both only grow; merged by maximum), sends each member a
 * notice (notice.ts) whenever its counts change, and installs "every rank that
 * came back as often as it left" once every member that stays sent it exactly
 * its counts; the membership holds from the largest iteration count in those
 * notices, and its epoch is the sum of the counts. A standing receive per
 * member takes notices at any time (a departure interrupts the step in
 * flight; a return waits for the step boundary). Half or fewer of the last
 * membership stop (E_ELASTIC_QUORUM); a rank the others removed leaves
 * (E_ELASTIC_EXCLUDED). Replacements take no part: the lowest member that
 * stayed hands them the membership and the state (train/handover.ts).
 */
import { ElasticError, PeerError, TransportError } from '../errors.js';
import type { Transport } from '../transport/types.js';
import { decodeNotice, encodeNotice, membershipKey, NOTICE_ITER, type Notice } from './notice.js';
import { counts, expand, quorumError, same, sleepOrWake, sum, type Departure, type Installed, type Joiner, type MembershipState } from './membership-types.js';

export type { Departure, Installed, Joiner, MembershipState } from './membership-types.js';

export interface MembershipOptions {
  transport: Transport;
  /** Fewest members to go on with (--min-nodes). */
  minNodes: number;
  /** Another member stopped for a change (`departure`: a rank left; else a return): interrupt what waits on it. */
  onPending(departure: boolean): void;
}

/** A standing receive is armed again after an hour (it never times out in effect); an agreement re-checks every second. */
const ARM_MS = 3_600_000;
const RECHECK_MS = 1_000;

export class Membership {
  readonly rank: number;
  /** The installed members, ascending. */
  members: readonly number[];
  epoch = 0;
  /** Installed counts per rank (departures, returns), pending ones (what this rank saw or was told since), returns others announced (taken up at a step boundary, admitJoins). */
  private gone: number[];
  private back: number[];
  private nextGone: number[];
  private nextBack: number[];
  private heardBack: number[];
  private readonly why = new Map<number, Departure>();
  private readonly joiners = new Map<number, Joiner>();
  /** Joins heard and not yet taken up (admitJoins). */
  private readonly requests = new Map<number, Joiner>();
  /** The process each replaced rank was taken back in as. */
  private readonly admitted = new Map<number, string>();
  /** The newest notice of each member since the last installation. */
  private readonly latest = new Map<number, Notice>();
  private readonly sentTag = new Map<number, number>();
  private readonly nextTag = new Map<number, number>();
  private excludedBy: number | undefined;
  private wakers: (() => void)[] = [];
  private since: number | undefined;
  private closed = false;

  constructor(private readonly o: MembershipOptions) {
    const t = o.transport;
    this.rank = t.rank;
    this.members = Array.from({ length: t.size }, (_, r) => r);
    [this.gone, this.back, this.nextGone, this.nextBack, this.heardBack] = [0, 1, 2, 3, 4].map(() => new Array<number>(t.size).fill(0)) as [number[], number[], number[], number[], number[]];
    // Joins wait for a step boundary (admitJoins): a replacement never lands in the middle of a collective.
    t.onJoin = (rank, inst, address) => this.requests.set(rank, { rank, inst, address });
    for (const p of this.members) if (p !== this.rank) this.arm(p);
  }

  /**
   * A replacement takes the membership it was handed (train/handover.ts):
   * counts merge by maximum with what it may have heard already.
   */
  adopt(members: readonly number[], state: MembershipState): void {
    this.members = [...members];
    this.gone = [...state.gone];
    this.back = [...state.back];
    this.nextGone = this.nextGone.map((g, r) => Math.max(g, this.gone[r]!));
    this.nextBack = this.nextBack.map((b, r) => Math.max(b, this.back[r]!));
    this.heardBack = this.heardBack.map((b, r) => Math.max(b, this.back[r]!));
    this.epoch = sum(this.gone) + sum(this.back);
    for (const [q, n] of this.latest) if (!members.includes(q) || membershipKey(n.dead, n.joined) === this.key()) this.latest.delete(q);
    this.since = this.pending ? performance.now() : undefined;
  }

  /** True when a change waits to be agreed on (at the next step boundary). */
  get pending(): boolean {
    return this.departurePending || this.latest.size > 0 || this.requests.size > 0 || !same(this.back, this.nextBack) || this.heardBack.some((b, r) => b > this.back[r]!);
  }

  /**
   * True when a rank left (or this one was excluded): that change is agreed at once, even
   * in the middle of a collective, which it broke for every member. Returns are agreed at a
   * step boundary only (admitJoins), so a replacement never lands in an evaluation or summary.
   */
  get departurePending(): boolean {
    return this.excludedBy !== undefined || !same(this.gone, this.nextGone);
  }

  /** The installed counts. */
  get state(): MembershipState {
    return { gone: [...this.gone], back: [...this.back] };
  }

  /** This rank counts `peer` as gone (it saw it itself); agreed at the next boundary. */
  suspect(peer: number, cause: string, why: string): void {
    if (this.closed || peer === this.rank || !this.liveNext(peer) || !this.members.includes(peer)) return;
    this.nextGone[peer] = this.gone[peer]! + 1;
    this.why.set(peer, { rank: peer, cause, why });
    this.since ??= performance.now();
    this.wake();
  }

  /** Take up the joins heard so far (at a step boundary); true when one makes a change pending. */
  admitJoins(): boolean {
    const before = this.pending;
    this.nextBack = this.nextBack.map((b, r) => Math.max(b, this.heardBack[r]!));
    for (const j of this.requests.values()) this.join(j);
    this.requests.clear();
    return this.pending && !before;
  }

  /** A replacement asks to be taken back in: its old process (if still counted) is gone. */
  join(j: Joiner): void {
    if (this.closed || j.rank === this.rank) return;
    // The same process asking again (it repeats until handed over): nothing new.
    if (this.joiners.get(j.rank)?.inst === j.inst || this.admitted.get(j.rank) === j.inst) return;
    // A return already pending (heard from another member first) counts once; else its old process, if still counted, is gone.
    if (this.nextBack[j.rank]! === this.back[j.rank]!) {
      if (this.liveNext(j.rank)) {
        this.nextGone[j.rank] = this.nextGone[j.rank]! + 1;
        this.why.set(j.rank, { rank: j.rank, cause: 'replaced', why: 'a new process of it asked to be taken back in' });
      }
      this.nextBack[j.rank] = this.nextGone[j.rank]!;
    }
    this.joiners.set(j.rank, j);
    this.since ??= performance.now();
    this.wake();
  }

  /** Suspect the peer a failed operation names, when it names one; true when it did. */
  suspectFrom(error: unknown): boolean {
    if (!(error instanceof PeerError)) return false;
    const loss = this.o.transport.lostReason(error.peer);
    if (loss?.cause === 'excluded' && this.liveNext(error.peer) && this.members.includes(error.peer)) {
      // It removed this rank (not the other way round): this rank leaves.
      this.excludedBy ??= error.peer;
      this.wake();
      return true;
    }
    if (error.code === 'E_PEER_TIMEOUT') this.suspect(error.peer, 'timeout', error.message);
    else this.suspect(error.peer, loss?.cause ?? 'connection', loss?.why ?? error.message);
    return true;
  }

  /**
   * Agree with the other members on the next membership (collective among
   * the survivors); `completed`: the iterations this rank has completed.
   */
  async agree(completed: number): Promise<Installed> {
    const t0 = this.since ?? performance.now();
    let sentKey: string | undefined;
    for (;;) {
      if (this.excludedBy !== undefined) {
        throw new ElasticError('E_ELASTIC_EXCLUDED', `rank ${this.rank}: rank ${this.excludedBy} removed this rank from the job's membership (it was lost to the others, e.g. stopped or cut off for longer than the heartbeat allows); it leaves so that its parameters never mix in again`);
      }
      const live = this.nextGone.flatMap((g, r) => (g === this.nextBack[r] ? [r] : []));
      const staying = this.members.filter((r) => live.includes(r) && this.gone[r] === this.nextGone[r]);
      const joined = live.filter((r) => !staying.includes(r));
      for (const r of joined) {
        const req = this.requests.get(r);
        if (!this.joiners.has(r) && req !== undefined) this.joiners.set(r, req);
      }
      this.checkQuorum(staying);
      const key = this.key();
      if (key !== sentKey) {
        sentKey = key;
        const body = encodeNotice({ k: completed, dead: expand(this.nextGone), joined: expand(this.nextBack) });
        for (const q of staying) if (q !== this.rank) this.send(q, body);
      }
      const peers = staying.filter((q) => q !== this.rank);
      const agreed = peers.every((q) => { const n = this.latest.get(q); return n !== undefined && membershipKey(n.dead, n.joined) === key; });
      if (agreed && joined.every((r) => this.joiners.has(r))) return this.install(live, staying, joined, key, completed, t0);
      await this.waitForNews(RECHECK_MS);
    }
  }

  /** Stop: standing receives are no longer armed again. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private liveNext(r: number): boolean {
    return this.nextGone[r] === this.nextBack[r];
  }

  private key(): string {
    return membershipKey(expand(this.nextGone), expand(this.nextBack));
  }

  private checkQuorum(next: readonly number[]): void {
    const gone = this.members.filter((r) => !next.includes(r));
    const error = quorumError(this.rank, this.members, next, gone.map((r) => `rank ${r}: ${this.why.get(r)?.why ?? 'reported'}`).join('; '), this.o.minNodes);
    if (error !== undefined) throw error;
  }

  private install(live: number[], staying: number[], joinedRanks: number[], key: string, completed: number, t0: number): Installed {
    let step = completed;
    for (const q of staying) if (q !== this.rank) step = Math.max(step, this.latest.get(q)!.k);
    const left: Departure[] = [];
    for (let r = 0; r < this.gone.length; r++) {
      if (this.nextGone[r] === this.gone[r]) continue;
      left.push(this.why.get(r) ?? { rank: r, cause: 'reported', why: 'another member lost it' });
      this.o.transport.exclude(r, `removed from the membership (${this.why.get(r)?.why ?? 'reported'})`);
    }
    const joined = joinedRanks.map((r) => this.joiners.get(r)!);
    for (const j of joined) {
      this.o.transport.readmit?.(j.rank, j.inst, j.address);
      this.admitted.set(j.rank, j.inst);
      this.sentTag.delete(j.rank);
      this.nextTag.delete(j.rank);
      this.joiners.delete(j.rank);
      this.requests.delete(j.rank);
    }
    this.gone = [...this.nextGone];
    this.back = [...this.nextBack];
    for (const [q, n] of this.latest) if (membershipKey(n.dead, n.joined) === key || !live.includes(q)) this.latest.delete(q);
    this.members = live;
    this.epoch = sum(this.gone) + sum(this.back);
    for (const j of joined) this.arm(j.rank);
    this.since = this.pending ? performance.now() : undefined;
    return { members: live, epoch: this.epoch, step, left, joined, state: this.state, agreeSeconds: (performance.now() - t0) / 1000 };
  }

  private send(q: number, body: Float32Array): void {
    const tag = (this.sentTag.get(q) ?? 0) + 1;
    this.sentTag.set(q, tag);
    this.o.transport.send(q, NOTICE_ITER, tag, body).catch((error: unknown) => {
      if (!this.closed && !this.suspectFrom(error)) this.suspect(q, 'connection', String(error));
    });
  }

  /** The standing receive of `p`'s next notice (one per process of p: a replacement starts again at tag 1). */
  private arm(p: number): void {
    if (this.closed || !this.members.includes(p)) return;
    const tag = this.nextTag.get(p) ?? 1;
    const incarnation = this.back[p];
    this.o.transport.recv(p, NOTICE_ITER, tag, { deadline: Date.now() + ARM_MS }).then(
      (body) => {
        if (this.back[p] !== incarnation) return;
        this.nextTag.set(p, tag + 1);
        const n = decodeNotice(body, this.o.transport.size);
        if (n !== undefined) this.onNotice(p, n);
        this.arm(p);
      },
      (error: unknown) => {
        if (this.closed || this.back[p] !== incarnation || !this.members.includes(p)) return;
        if (error instanceof TransportError) return; // closed
        if (error instanceof PeerError && error.code === 'E_PEER_TIMEOUT') return this.arm(p);
        this.suspectFrom(error);
      },
    );
  }

  private onNotice(p: number, n: Notice): void {
    if (this.closed || !this.members.includes(p)) return;
    this.latest.set(p, n);
    const gone = counts(n.dead, this.gone.length);
    const back = counts(n.joined, this.gone.length);
    let departure = false;
    if (gone[this.rank]! > this.nextBack[this.rank]! && this.excludedBy === undefined) {
      this.excludedBy = p;
      departure = true;
    }
    for (let r = 0; r < gone.length; r++) {
      if (r === this.rank) continue;
      // The sender stopped for a departure this rank has not installed: whatever waits on the sender must stop too.
      if (gone[r]! > this.gone[r]!) departure = true;
      if (gone[r]! > this.nextGone[r]!) {
        this.nextGone[r] = gone[r]!;
        if (!this.why.has(r) || this.gone[r] === this.nextGone[r]! - 1) this.why.set(r, { rank: r, cause: 'reported', why: `rank ${p} lost it` });
      }
      if (back[r]! > this.heardBack[r]!) this.heardBack[r] = back[r]!;
    }
    this.since ??= performance.now();
    // A departure breaks what the view runs; a return only what waits on the sender (a step, not a collective).
    this.o.onPending(departure);
    this.wake();
  }

  private wake(): void {
    for (const f of this.wakers.splice(0)) f();
  }

  private waitForNews(ms: number): Promise<void> {
    return sleepOrWake(ms, this.wakers);
  }
}
