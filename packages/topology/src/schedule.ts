/**
 * Schedules: the split between "what the graph is" (a matrix W(k)) and "what
 * a rank does at iteration k" (a RankStep), under the convention of
 * convention.ts: x_i(next) = sum_j W[i][j] x_j, so rank i receives from every
 * j with W[i][j] != 0 and sends to every j with W[j][i] != 0.
 */
import type { Matrix, RankStep, Schedule } from './convention.js';
import { TopologyError } from './errors.js';

/** Tolerance for "rows / columns sum to 1" and "W is symmetric". */
export const STOCHASTIC_TOLERANCE = 1e-9;

/** How many recent W(k) a dynamic schedule keeps (ranks of one process ask for the same k). */
const CACHE_SIZE = 8;

/** What the schedule's matrices are, when it cannot be inferred from one matrix. */
export interface ScheduleFlags {
  readonly directed: boolean;
  readonly stochastic: 'doubly' | 'column';
  /** W(k + period) = W(k) for every k (deterministic periodic schedules only). */
  readonly period?: number;
}

/** Throws unless `k` is a non-negative safe integer. */
export function checkIteration(k: number, what = 'iteration'): void {
  if (!Number.isSafeInteger(k) || k < 0) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `${what} must be a non-negative integer; got ${k}`);
  }
}

function checkRank(rank: number, n: number): void {
  if (!Number.isInteger(rank) || rank < 0 || rank >= n) {
    throw new TopologyError('E_TOPOLOGY_OPTION', `rank must be an integer in [0, ${n - 1}]; got ${rank}`);
  }
}

/** Throws E_TOPOLOGY_MATRIX unless W is a square matrix of finite numbers of size n (when given). */
export function checkSquare(W: Matrix, n: number = W.length, where = 'W'): void {
  if (W.length !== n || n < 1) {
    throw new TopologyError('E_TOPOLOGY_MATRIX', `${where} must have ${n} rows; got ${W.length}`);
  }
  W.forEach((row, i) => {
    if (row.length !== n) {
      throw new TopologyError('E_TOPOLOGY_MATRIX', `${where} row ${i} has ${row.length} entries; expected ${n}`);
    }
    row.forEach((w, j) => {
      if (!Number.isFinite(w)) {
        throw new TopologyError('E_TOPOLOGY_MATRIX', `${where}[${i}][${j}] = ${w} is not a finite number`);
      }
    });
  });
}

/** True when W equals its transpose within the tolerance. */
export function isSymmetric(W: Matrix, tol = STOCHASTIC_TOLERANCE): boolean {
  const n = W.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) if (Math.abs(W[i][j] - W[j][i]) > tol) return false;
  }
  return true;
}

function worstSum(W: Matrix, byColumn: boolean): { index: number; sum: number } {
  const n = W.length;
  let worst = { index: -1, sum: 1 };
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let b = 0; b < n; b++) s += byColumn ? W[b][a] : W[a][b];
    if (Math.abs(s - 1) > Math.abs(worst.sum - 1)) worst = { index: a, sum: s };
  }
  return worst;
}

/**
 * 'doubly' when rows and columns sum to 1, 'column' when only columns do;
 * otherwise E_TOPOLOGY_MATRIX naming the first offending column.
 */
export function stochasticity(W: Matrix, where = 'W'): 'doubly' | 'column' {
  const col = worstSum(W, true);
  if (Math.abs(col.sum - 1) > STOCHASTIC_TOLERANCE) {
    throw new TopologyError(
      'E_TOPOLOGY_MATRIX',
      `${where} column ${col.index} sums to ${col.sum}; a mixing matrix needs every column (and, for DSGD, every row) to sum to 1`,
    );
  }
  const row = worstSum(W, false);
  return Math.abs(row.sum - 1) > STOCHASTIC_TOLERANCE ? 'column' : 'doubly';
}

/** The sends, receives and weights of `rank` under one matrix W. */
export function stepOf(W: Matrix, rank: number): RankStep {
  const n = W.length;
  checkRank(rank, n);
  const sendTo: number[] = [];
  const sendWeights: number[] = [];
  const recvFrom: number[] = [];
  const recvWeights: number[] = [];
  const own = W[rank];
  for (let j = 0; j < n; j++) {
    if (j === rank) continue;
    const out = W[j][rank];
    if (out !== 0) {
      sendTo.push(j);
      sendWeights.push(out);
    }
    const inc = own[j];
    if (inc !== 0) {
      recvFrom.push(j);
      recvWeights.push(inc);
    }
  }
  return { sendTo, sendWeights, recvFrom, recvWeights, selfWeight: own[rank] };
}

function copy(W: Matrix): Matrix {
  return W.map((row) => row.slice());
}

/**
 * A schedule whose matrix never changes. `directed` and `stochastic` are
 * inferred from W unless given (directed = not symmetric).
 */
export function staticSchedule(name: string, W: Matrix, opts: Partial<ScheduleFlags> = {}): Schedule {
  checkSquare(W, W.length, `${name} W`);
  const n = W.length;
  const frozen = copy(W);
  const stochastic = opts.stochastic ?? stochasticity(frozen, `${name} W`);
  const directed = opts.directed ?? !isSymmetric(frozen);
  const steps = Array.from({ length: n }, (_, rank) => stepOf(frozen, rank));
  return {
    name,
    nodes: n,
    directed,
    stochastic,
    dynamic: false,
    matrix(iteration) {
      checkIteration(iteration);
      return copy(frozen);
    },
    at(iteration, rank) {
      checkIteration(iteration);
      checkRank(rank, n);
      return steps[rank];
    },
  };
}

interface CachedStep {
  readonly W: Matrix;
  readonly steps: Array<RankStep | undefined>;
}

/**
 * A time-varying schedule over `matrixAt(k)`, which must be a pure function of
 * k (and of whatever seed it closed over). The most recent W(k) are kept in a
 * small LRU cache, so asking at(k, rank) for every rank builds W(k) once. Each
 * new W(k) is checked to be n x n and to have the declared stochasticity.
 */
export function dynamicSchedule(
  name: string,
  n: number,
  matrixAt: (k: number) => Matrix,
  flags: ScheduleFlags,
): Schedule {
  const cache = new Map<number, CachedStep>();
  const entry = (k: number): CachedStep => {
    checkIteration(k);
    const hit = cache.get(k);
    if (hit) {
      cache.delete(k);
      cache.set(k, hit);
      return hit;
    }
    const W = matrixAt(k);
    const where = `${name} W(${k})`;
    checkSquare(W, n, where);
    const kind = stochasticity(W, where);
    if (flags.stochastic === 'doubly' && kind !== 'doubly') {
      throw new TopologyError('E_TOPOLOGY_MATRIX', `${where} is declared doubly stochastic but its rows do not sum to 1`);
    }
    const made: CachedStep = { W, steps: new Array<RankStep | undefined>(n) };
    cache.set(k, made);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as number);
    return made;
  };
  return {
    name,
    nodes: n,
    directed: flags.directed,
    stochastic: flags.stochastic,
    dynamic: true,
    ...(flags.period === undefined ? {} : { period: flags.period }),
    matrix(iteration) {
      return copy(entry(iteration).W);
    },
    at(iteration, rank) {
      checkRank(rank, n);
      const e = entry(iteration);
      const s = e.steps[rank] ?? stepOf(e.W, rank);
      e.steps[rank] = s;
      return s;
    },
  };
}

function mismatch(k: number, i: number, j: number, what: string): TopologyError {
  return new TopologyError(
    'E_TOPOLOGY_SCHEDULE',
    `schedule mismatch at iteration ${k} between rank ${i} and rank ${j}: ${what}; every send needs a matching receive with the same weight`,
  );
}

/** Summary of a successful verifySchedule. */
export interface ScheduleCheck {
  readonly iterations: number;
  /** Point-to-point messages over the checked iterations. */
  readonly messages: number;
}

/**
 * Checks iterations from .. from+K-1: for every pair i != j, j is in
 * at(k,i).sendTo exactly when i is in at(k,j).recvFrom, with the same weight
 * on both sides. Throws E_TOPOLOGY_SCHEDULE naming k, i and j otherwise.
 */
export function verifySchedule(schedule: Schedule, fromIteration: number, K: number): ScheduleCheck {
  checkIteration(fromIteration, 'fromIteration');
  checkIteration(K, 'K');
  const n = schedule.nodes;
  let messages = 0;
  for (let k = fromIteration; k < fromIteration + K; k++) {
    const steps = Array.from({ length: n }, (_, r) => schedule.at(k, r));
    const recvMaps = steps.map((s, r) => {
      const m = new Map<number, number>();
      s.recvFrom.forEach((j, t) => {
        if (j === r || j < 0 || j >= n) throw mismatch(k, r, j, `rank ${r} receives from invalid rank ${j}`);
        m.set(j, s.recvWeights[t]);
      });
      return m;
    });
    steps.forEach((s, i) => {
      const sent = new Set<number>();
      s.sendTo.forEach((j, t) => {
        if (j === i || j < 0 || j >= n) throw mismatch(k, i, j, `rank ${i} sends to invalid rank ${j}`);
        const w = recvMaps[j].get(i);
        if (w === undefined) throw mismatch(k, i, j, `rank ${i} sends to ${j} but ${j} does not receive from ${i}`);
        if (w !== s.sendWeights[t]) {
          throw mismatch(k, i, j, `rank ${i} sends with weight ${s.sendWeights[t]} but ${j} applies ${w}`);
        }
        sent.add(j);
      });
      messages += sent.size;
    });
    recvMaps.forEach((m, j) => {
      for (const i of m.keys()) {
        if (!steps[i].sendTo.includes(j)) throw mismatch(k, i, j, `rank ${j} receives from ${i} but ${i} does not send to ${j}`);
      }
    });
  }
  return { iterations: K, messages };
}
