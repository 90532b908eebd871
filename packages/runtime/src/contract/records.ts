/**
 * The NDJSON records a worker writes, one JSON object a line on stdout (the
 * launcher stores them as DIR/rank-<i>.ndjson and draws its progress bar
 * from them). Workers build them with the encoders, readers check them with
 * the decoders; pino adds level, time, rank and msg, which the decoders ignore.
 *
 *   step        after a step: loss, timings, bytes, and what a progress display needs
 *   eval        after an evaluation: local and average-model accuracy, consensus distance
 *   fit         once before session.fit trains: steps, batch size, parameter count
 *   membership  the ranks taking part from `step` on (written when the set changes): who left and
 *               why, who joined, the consensus distance just before and after the change
 *   peer-lost   this rank counts a peer as gone, and why (a heartbeat unanswered, a connection down)
 *   progress    a long phase between steps (loading data, evaluating), so a display keeps moving
 *
 * Other lines (pino messages of other kinds, plain text) are no records:
 * decodeRecord returns null for them.
 */
import { Fields, isRecord } from './check.js';

/** `step` counts completed iterations (1 = the first). */
export interface StepLine {
  kind: 'step';
  step: number;
  loss: number;
  computeSeconds: number;
  commSeconds: number;
  bytesSent: number;
  /** Wall-clock seconds from the start of this process's first step to the end of this one. */
  elapsedSeconds: number;
  /** Steps the job will take, when the writer knows. */
  totalSteps?: number;
  /** This rank's samples per second over this step, when the writer knows its batch size. */
  samplesPerSec?: number;
}

/** Test accuracy of the local and of the average model after `step` iterations (null without test data). */
export interface EvalLine {
  kind: 'eval';
  step: number;
  localAccuracy: number | null;
  averageAccuracy: number | null;
  /** (1/n) sum_i ||x_i - xbar||^2. */
  consensusDistance: number;
  /** Wall seconds this rank spent on the evaluation (training paused), when the writer timed it. */
  seconds?: number;
}

export interface FitLine {
  kind: 'fit';
  algorithm: string;
  topology: string;
  /** Total steps of the fit. */
  steps: number;
  stepsPerEpoch: number;
  batchSize: number;
  /** Samples in this rank's shard. */
  shard: number;
  /** Trainable parameters. */
  params: number;
  /** The optimizer trained with and where it came from, e.g. 'Adam (compile)', 'SGDOptimizer (default)'. */
  optimizer?: string;
  /** The loss trained with and where it came from, e.g. 'categoricalCrossentropy (compile)'. */
  loss?: string;
}

/** A rank that left the membership, and why. */
export interface MemberLeft {
  rank: number;
  /** 'heartbeat', 'connection', 'closed', 'excluded' (a transport's LostCause) or 'reported' (another rank saw it go). */
  cause: string;
  why: string;
}

export interface MembershipLine {
  kind: 'membership';
  /** The first step the members take together. */
  step: number;
  /** Ranks in the job, ascending. */
  members: number[];
  /** Membership epoch: 0 at start, one more per rank that left or joined (elastic). */
  epoch?: number;
  left?: MemberLeft[];
  joined?: number[];
  /** (1/m) sum_i ||x_i - xbar||^2 over the members, just before their first step together and just after it. */
  consensusBefore?: number;
  consensusAfter?: number;
  /** Seconds from this rank's first sign of the change to the agreement on the new membership. */
  agreeSeconds?: number;
  /** Seconds from this rank's first sign of the change to the end of the first step on the new membership. */
  recoverySeconds?: number;
}

/** This rank counts `peer` as gone. */
export interface PeerLostLine {
  kind: 'peer-lost';
  peer: number;
  /** A transport LostCause: 'heartbeat', 'connection', 'closed' or 'excluded'. */
  cause: string;
  why: string;
}

export interface ProgressLine {
  kind: 'progress';
  /** Steps completed so far. */
  step: number;
  totalSteps: number;
  elapsedSeconds: number;
  /** What the worker is doing, e.g. 'eval'. */
  phase: string;
}

export type WorkerRecord = StepLine | EvalLine | FitLine | MembershipLine | ProgressLine | PeerLostLine;
export type RecordKind = WorkerRecord['kind'];
export const RECORD_KINDS: readonly RecordKind[] = ['step', 'eval', 'fit', 'membership', 'progress', 'peer-lost'];

type Body<T extends WorkerRecord> = Omit<T, 'kind'>;

export const encodeStep = (r: Body<StepLine>): StepLine => ({ kind: 'step', ...r });
export const encodeEval = (r: Body<EvalLine>): EvalLine => ({ kind: 'eval', ...r });
export const encodeFit = (r: Body<FitLine>): FitLine => ({ kind: 'fit', ...r });
export const encodeMembership = (r: Body<MembershipLine>): MembershipLine => ({ kind: 'membership', ...r });
export const encodeProgress = (r: Body<ProgressLine>): ProgressLine => ({ kind: 'progress', ...r });
export const encodePeerLost = (r: Body<PeerLostLine>): PeerLostLine => ({ kind: 'peer-lost', ...r });

/** One line of NDJSON text for a record (what a writer without pino prints). */
export function recordLine(record: WorkerRecord): string {
  return JSON.stringify(record);
}

function decodeKnown(kind: RecordKind, f: Fields): WorkerRecord {
  switch (kind) {
    case 'step': {
      const r: StepLine = {
        kind, step: f.num('step'), loss: f.num('loss'), computeSeconds: f.num('computeSeconds'),
        commSeconds: f.num('commSeconds'), bytesSent: f.num('bytesSent'), elapsedSeconds: f.num('elapsedSeconds'),
      };
      const totalSteps = f.optNum('totalSteps');
      const samplesPerSec = f.optNum('samplesPerSec');
      if (totalSteps !== undefined) r.totalSteps = totalSteps;
      if (samplesPerSec !== undefined) r.samplesPerSec = samplesPerSec;
      return r;
    }
    case 'eval': {
      const r: EvalLine = { kind, step: f.num('step'), localAccuracy: f.numOrNull('localAccuracy'), averageAccuracy: f.numOrNull('averageAccuracy'), consensusDistance: f.num('consensusDistance') };
      const seconds = f.optNum('seconds');
      if (seconds !== undefined) r.seconds = seconds;
      return r;
    }
    case 'fit': {
      const r: FitLine = {
        kind, algorithm: f.str('algorithm'), topology: f.str('topology'), steps: f.num('steps'), stepsPerEpoch: f.num('stepsPerEpoch'),
        batchSize: f.num('batchSize'), shard: f.num('shard'), params: f.num('params'),
      };
      const optimizer = f.optStr('optimizer');
      const loss = f.optStr('loss');
      if (optimizer !== undefined) r.optimizer = optimizer;
      if (loss !== undefined) r.loss = loss;
      return r;
    }
    case 'membership': {
      const r: MembershipLine = { kind, step: f.num('step'), members: f.ints('members') };
      for (const key of ['epoch', 'consensusBefore', 'consensusAfter', 'agreeSeconds', 'recoverySeconds'] as const) {
        const v = f.optNum(key);
        if (v !== undefined) r[key] = v;
      }
      if (f.has('joined')) r.joined = f.ints('joined');
      if (f.has('left')) r.left = f.list('left').map((_, i) => decodeLeft(f.item('left', i)));
      return r;
    }
    case 'peer-lost':
      return { kind, peer: f.num('peer'), cause: f.str('cause'), why: f.str('why') };
    case 'progress':
      return { kind, step: f.num('step'), totalSteps: f.num('totalSteps'), elapsedSeconds: f.num('elapsedSeconds'), phase: f.str('phase') };
  }
}

function decodeLeft(f: Fields): MemberLeft {
  return { rank: f.num('rank'), cause: f.str('cause'), why: f.str('why') };
}

/**
 * A parsed JSON value as a record: null when it is no record (not an object,
 * or a kind outside RECORD_KINDS); ContractError E_CONTRACT_RECORD, naming
 * `where` and the field, when it claims a record kind but does not hold one.
 */
export function decodeRecord(value: unknown, where = 'record'): WorkerRecord | null {
  if (!isRecord(value) || typeof value.kind !== 'string') return null;
  const kind = value.kind as RecordKind;
  if (!RECORD_KINDS.includes(kind)) return null;
  return decodeKnown(kind, new Fields(value, `${where} (${kind} record)`, 'E_CONTRACT_RECORD'));
}

/** One line of a worker's output: null for plain text, other JSON and a line cut short; see decodeRecord. */
export function decodeRecordLine(line: string, where = 'line'): WorkerRecord | null {
  const t = line.trim();
  if (!t.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return null;
  }
  return decodeRecord(value, where);
}
