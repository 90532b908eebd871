/**
 * The contraction of a periodic schedule over one period. A per-step
 * measure (meanSquareContraction) misses what a period achieves: the
 * one-peer exponential graph has ||W(k) - J||_2 = 1 at the offset n/2 when n is a
 * power of two, yet any tau consecutive W(k) multiply to J exactly (seed 000).
 *
 *   contraction = max over starts s of ||W(s+P-1) ... W(s) - J||_2,
 *
 * which, W(k) being doubly stochastic, bounds ||x(k+P) - xbar|| /
 * ||x(k) - xbar|| for every x; perStep = contraction^(1/P) is the rate
 * per iteration it implies.
 */
import type { Matrix, Schedule } from './convention.js';
import { minusAverage, multiply, spectralNorm } from './linalg.js';

/** Below this, the product over a period is the exact average (up to rounding). */
export const EXACT_TOLERANCE = 1e-12;

/** Periods up to this length are measured from every start; longer ones from iteration 0 only. */
const ALL_STARTS_UP_TO = 32;

export interface PeriodContraction {
  readonly period: number;
  readonly contraction: number;
  readonly perStep: number;
  /** True when every product over a period is (1/n) 1 1^T. */
  readonly exact: boolean;
}

function productFrom(schedule: Schedule, start: number, len: number): Matrix {
  let P = schedule.matrix(start);
  for (let t = 1; t < len; t++) P = multiply(schedule.matrix(start + t), P);
  return P;
}

/** The contraction over one period of a doubly stochastic periodic schedule; undefined for any other. */
export function periodContraction(schedule: Schedule): PeriodContraction | undefined {
  const P = schedule.period;
  if (P === undefined || !schedule.dynamic || schedule.stochastic !== 'doubly') return undefined;
  const starts = P <= ALL_STARTS_UP_TO ? P : 1;
  let worst = 0;
  for (let s = 0; s < starts; s++) worst = Math.max(worst, spectralNorm(minusAverage(productFrom(schedule, s, P))));
  const exact = worst < EXACT_TOLERANCE;
  return { period: P, contraction: exact ? 0 : worst, perStep: exact ? 0 : worst ** (1 / P), exact };
}
