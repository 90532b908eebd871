/**
 * Elastic training (docs/elastic.md): the glue between the membership
 * (elastic/membership.ts) and a session. A failed exchange or collective
 * does not end the job: the error is absorbed (the step counts as a local
 * step, a collective is run again), the peer it names is suspected, and at
 * the next step boundary the survivors agree on the new membership. Then the
 * session gets a new view of the transport (the members renumbered 0..m-1),
 * the user's topology rebuilt on m nodes and verified as at start-up, a new
 * communicator, and the iteration the membership holds from. Every change is
 * a `membership` record (who left and why, the consensus distance just
 * before and after) and goes into summary.json.
 */
import type { Schedule, TopologyOptions } from '@dtrain/topology';
import type { Logger } from 'pino';
import { validateAlgorithm, type AlgorithmSpec } from '../algorithms/registry.js';
import type { AlgorithmOptions } from '../algorithms/types.js';
import { Communicator, type CommunicatorOptions } from '../comm/communicator.js';
import { encodeMembership, type MembershipLine } from '../contract/records.js';
import type { ElasticSummary } from '../contract/summary.js';
import { Membership, type Installed } from '../elastic/membership.js';
import { memberSchedule, verifyMemberSchedule } from '../elastic/schedule.js';
import { EPOCH_SLOTS, ViewTransport } from '../elastic/view-transport.js';
import { AlgorithmError, ElasticError, PeerError, TransportError } from '../errors.js';
import type { Transport } from '../transport/types.js';
import { consensus } from './evaluate.js';
import { receiveHandover, sendHandover, type Handover } from './handover.js';
import type { OptimizerSnapshot } from './snapshot.js';
import { startupHorizon } from './startup.js';

/** A replacement asks to be taken back in this often until a live rank hands it the state. */
const ANNOUNCE_MS = 2_000;
/** How long a replacement waits for its handover (the live ranks first notice the old process gone). */
const HANDOVER_WAIT_MS = 120_000;

/** Algorithms whose state survives a lost rank (the others keep invariants over every rank). */
export const ELASTIC_ALGORITHMS: readonly string[] = ['psgd', 'dsgd', 'pga', 'local-sgd', 'push-sum'];

/** What a membership change replaces in the session. */
export interface ElasticHost {
  rebind(comm: Communicator, schedule: Schedule): void;
}

/** What the optimizer exposes to the elastic run. */
export interface ElasticStepper {
  readonly iteration: number;
  readonly size: number;
  params(): Float32Array;
  jumpTo(iteration: number): void;
  snapshot(): Promise<OptimizerSnapshot>;
  restore(s: OptimizerSnapshot): Promise<void>;
}

export interface ElasticRunOptions {
  transport: Transport;
  minNodes: number;
  topology: string;
  topologyOptions?: TopologyOptions;
  seed: number;
  spec: AlgorithmSpec;
  algorithmOptions: AlgorithmOptions;
  communicator: CommunicatorOptions;
  logger: Logger;
  host: ElasticHost;
  /** A replacement: it waits for a live rank's handover before its first step. */
  joining?: boolean;
}

/** Refuses what cannot run elastically, before anything connects. */
export function checkElastic(spec: AlgorithmSpec, options: AlgorithmOptions): void {
  if (!ELASTIC_ALGORITHMS.includes(spec.name)) {
    throw new ElasticError('E_ELASTIC_OPTION', `${spec.name} keeps a quantity summed over every rank (its tracking or correction term), which a lost rank takes with it; run --elastic with one of ${ELASTIC_ALGORITHMS.join(', ')}`);
  }
  if (options.overlap === true) throw new ElasticError('E_ELASTIC_OPTION', '--overlap with --elastic is not supported: drop one of them');
}

export class ElasticRun {
  readonly membership: Membership;
  view: ViewTransport;
  comm: Communicator;
  readonly changes: MembershipLine[] = [];
  private readonly startNodes: number;
  /** The change whose first step is still to come: its record waits for the consensus distance after it. */
  private open: { record: MembershipLine; since: number } | undefined;
  /** A replacement until its handover arrived. */
  joining: boolean;
  /** Set by the optimizer while a step runs (its exchange may wait on a member that stopped for a return). */
  stepping = false;

  constructor(private readonly o: ElasticRunOptions) {
    this.startNodes = o.transport.size;
    this.joining = o.joining === true;
    this.membership = new Membership({
      transport: o.transport,
      minNodes: o.minNodes,
      onPending: (departure) => {
        // A return is agreed at a step boundary: it stops a step (whose peers stopped for it), never a collective.
        if (departure || this.stepping) this.view.abort(new ElasticError('E_ELASTIC_INTERRUPTED', `rank ${o.transport.rank}: the membership is changing; this operation is given up`));
      },
    });
    this.view = new ViewTransport(o.transport, this.membership.members, 0);
    this.comm = new Communicator(this.view, o.communicator);
  }

  /** The members, job ranks ascending. */
  get members(): readonly number[] {
    return this.view.members;
  }

  /**
   * True when `error` comes from a lost peer or an interrupted view: the
   * caller goes on (the peer it names is suspected) and settles at the next
   * boundary. Anything else is a real error.
   */
  absorbs(error: unknown): boolean {
    if (error instanceof ElasticError) return error.code === 'E_ELASTIC_INTERRUPTED';
    if (error instanceof PeerError) return this.membership.suspectFrom(error);
    // A stale receive or a closed view: the membership moved on under the operation.
    return error instanceof TransportError && (error.code === 'E_TRANSPORT_STALE' || (error.code === 'E_TRANSPORT_CLOSED' && this.view.isAborted));
  }

  /** Runs pending membership changes (collective among the survivors) until none is left. */
  async settle(opt: ElasticStepper, atStep = false): Promise<void> {
    if (this.joining) await this.takeHandover(opt);
    // Replacements are taken back in between steps only, never in the middle of an evaluation or summary.
    if (atStep) this.membership.admitJoins();
    const due = (): boolean => (atStep ? this.membership.pending : this.membership.departurePending);
    while (due() || this.view.isAborted) {
      if (!due()) {
        // An aborted view with nothing to agree on (a notice that changed nothing): open it again.
        this.rebind(this.installedNow(opt.iteration));
        continue;
      }
      const installed = await this.membership.agree(opt.iteration);
      opt.jumpTo(installed.step);
      await this.begin(opt, installed, async () => {
        // The lowest member that stayed hands every replacement the membership and its own state.
        const stayed = installed.members.filter((r) => !installed.joined.some((j) => j.rank === r));
        if (installed.joined.length === 0 || stayed[0] !== this.o.transport.rank) return;
        const snapshot = await opt.snapshot();
        const chunk = Math.max(1, Math.min(opt.size, this.comm.chunkFloats));
        const h = { step: installed.step, epoch: installed.epoch, members: installed.members, state: installed.state, snapshot, changes: this.changes };
        await Promise.all(installed.joined.map((j) => sendHandover(this.o.transport, j.rank, h, chunk)));
      });
    }
  }

  /** A replacement: ask the live ranks to take it back in, then take the membership and state one of them hands over. */
  private async takeHandover(opt: ElasticStepper): Promise<void> {
    const t = this.o.transport;
    const t0 = performance.now();
    const peers = Array.from({ length: t.size }, (_, r) => r).filter((r) => r !== t.rank);
    let done = false;
    const ask = async (): Promise<void> => {
      while (!done) {
        await t.announceJoin?.(peers, Date.now() + ANNOUNCE_MS);
        await new Promise((r) => setTimeout(r, ANNOUNCE_MS));
      }
    };
    void ask();
    let h: Handover;
    try {
      h = await receiveHandover(t, peers, Date.now() + Math.max(HANDOVER_WAIT_MS, t.timeoutMs));
    } catch (error) {
      throw new ElasticError('E_ELASTIC_EXCLUDED', `rank ${t.rank}: no live rank took this replacement back in (${error instanceof AggregateError ? error.errors.map(String).join('; ') : String(error)})`);
    } finally {
      done = true;
    }
    await opt.restore(h.snapshot);
    this.changes.push(...h.changes);
    this.membership.adopt(h.members, h.state);
    this.joining = false;
    const me = { rank: t.rank, inst: '', address: '' };
    await this.begin(opt, { members: h.members, epoch: h.epoch, step: h.step, left: [], joined: [me], state: h.state, agreeSeconds: (performance.now() - t0) / 1000 });
  }

  /** A membership starts: new view and schedule (verified), its record, then (collective) the consensus distance before its first step. */
  private async begin(opt: ElasticStepper, installed: Installed, handover?: () => Promise<void>): Promise<void> {
    const check = this.rebind(installed);
    const record = encodeMembership({
      step: installed.step,
      members: [...installed.members],
      epoch: installed.epoch,
      left: installed.left.map((d) => ({ rank: d.rank, cause: d.cause, why: d.why })),
      joined: installed.joined.map((j) => j.rank),
      agreeSeconds: installed.agreeSeconds,
    });
    this.open = { record, since: performance.now() - installed.agreeSeconds * 1000 };
    const left = installed.left.map((d) => `rank ${d.rank} (${d.cause})`).join(', ') || 'nobody';
    const joined = installed.joined.map((j) => `rank ${j.rank}`).join(', ') || 'nobody';
    this.o.logger.warn(
      { kind: 'membership-agreed', epoch: installed.epoch, step: installed.step, members: installed.members, checkedIterations: check.iterations, stochastic: check.stochastic },
      `membership epoch ${installed.epoch}: ${left} left, ${joined} joined; ${installed.members.length} ranks go on from step ${installed.step}`,
    );
    try {
      await handover?.();
      record.consensusBefore = (await consensus(this.comm, opt.params(), opt.iteration)).distance;
    } catch (error) {
      if (!this.absorbs(error)) throw error;
      this.close();
    }
  }

  /** After a step that completed: the first one on a new membership completes its record. */
  async afterStep(opt: ElasticStepper): Promise<void> {
    const open = this.open;
    if (open === undefined) return;
    this.open = undefined;
    open.record.recoverySeconds = (performance.now() - open.since) / 1000;
    try {
      open.record.consensusAfter = (await consensus(this.comm, opt.params(), opt.iteration)).distance;
    } catch (error) {
      if (!this.absorbs(error)) throw error;
    }
    this.log(open.record);
  }

  /** A change still waiting for its first step (the job ended first) is logged as it is. */
  flush(): void {
    if (this.open !== undefined) this.log(this.open.record);
    this.open = undefined;
  }

  summary(): ElasticSummary {
    return { startNodes: this.startNodes, ranksFinished: this.members.length, changes: this.changes.map((c) => ({ ...c })) };
  }

  close(): void {
    if (this.open !== undefined) this.flush();
  }

  private log(record: MembershipLine): void {
    this.changes.push(record);
    const left = (record.left ?? []).map((d) => d.rank).join(', ');
    this.o.logger.warn(record, `membership epoch ${record.epoch}: ranks ${record.members.join(', ')} from step ${record.step} (left: ${left || 'none'})`);
  }

  private installedNow(step: number): Installed {
    return { members: this.membership.members, epoch: this.membership.epoch, step, left: [], joined: [], state: this.membership.state, agreeSeconds: 0 };
  }

  /** The new view, schedule (verified) and communicator; returns what the check covered. */
  private rebind(installed: Installed): ReturnType<typeof verifyMemberSchedule> {
    this.view.abort(new ElasticError('E_ELASTIC_INTERRUPTED', 'a newer membership holds'));
    const m = installed.members.length;
    const built = memberSchedule(this.o.topology, m, this.o.seed, installed.epoch, this.o.topologyOptions);
    if (built.fallback !== undefined) {
      this.o.logger.warn({ kind: 'membership-topology', topology: built.topology, nodes: m }, `${this.o.topology} has no graph on ${m} nodes (${built.fallback}); the members gossip on ${built.topology}`);
    }
    try {
      validateAlgorithm(this.o.spec.name, built.schedule, this.o.algorithmOptions);
    } catch (error) {
      if (!(error instanceof AlgorithmError)) throw error;
      throw new ElasticError('E_ELASTIC_OPTION', `on ${m} members: ${error.message}`);
    }
    const need = this.o.spec.needs === 'column' ? 'column' : 'doubly';
    const check = verifyMemberSchedule(built.schedule, installed.step, startupHorizon(built.schedule), need);
    this.view = new ViewTransport(this.o.transport, installed.members, installed.epoch);
    this.comm = new Communicator(this.view, this.o.communicator);
    this.o.transport.finish(installed.step * EPOCH_SLOTS);
    this.o.host.rebind(this.comm, built.schedule);
    // Notices for a further change came in before this one was installed: do not wait on this view.
    if (this.membership.departurePending) this.view.abort(new ElasticError('E_ELASTIC_INTERRUPTED', 'a further membership change is pending'));
    return check;
  }
}
