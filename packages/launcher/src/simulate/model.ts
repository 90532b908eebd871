/**
 * Per-step time of a training run under the alpha-beta model (alpha-beta.ts).
 *
 *   message   b = params * bytesPerParam (gradient-tracking: 2b, x and y in
 *             one message; push-sum: b + one weight)
 *   psgd      every step: ring allreduce of b
 *   dsgd, exact-diffusion, gradient-tracking, push-sum
 *             every step: `rounds` gossip rounds of the schedule
 *   pga       a ring allreduce on every H-th step (k+1 = 0 mod H), dsgd's
 *             gossip on the H-1 others
 *   local-sgd no gossip, a ring allreduce every H steps
 *
 *   mean step = f (compute + comm) + (compute + periodic) / H      (default)
 *   mean step = f max(compute, comm) + (compute + periodic) / H    (--overlap:
 *          per-step communication hidden behind computation; the periodic
 *          global average waits for the model, so it is never hidden)
 *   with f = (H-1)/H the share of gossip steps (1 without a period): for
 *   pga = compute + (H-1)/H comm + periodic / H.
 */
import { DEFAULT_GLOBAL_AVG_PERIOD, DEFAULT_ROUNDS } from '@dtrain/runtime/contract';
import { createSchedule } from '@dtrain/topology';
import type { RunConfig } from '../compare/configs.js';
import { NO_COMM, ringAllreduce, scale, scheduleGossip, seconds, type CommTerms, type Link } from './alpha-beta.js';

export interface SimInput {
  nodes: number;
  params: number;
  bytesPerParam: number;
  /** Per-step compute seconds of one rank. */
  computeSeconds: number;
  link: Link;
  overlap: boolean;
  /** Gossip rounds per iteration (default 1). */
  rounds?: number;
  seed?: number;
}

export interface SimRow {
  label: string;
  algorithm: string;
  topology: string | null;
  /** Global-average period used, or null. */
  globalAvgPeriod: number | null;
  /** Communication of one gossip step (critical path). */
  stepComm: CommTerms;
  stepCommSeconds: number;
  /** The periodic global average, once (not amortised). */
  periodicSeconds: number;
  /** Mean communication seconds per step: (H-1)/H step comm + periodic / H (step comm without a period). */
  commSeconds: number;
  computeSeconds: number;
  /** Mean wall seconds per step. */
  stepSeconds: number;
  /** psgd's step seconds / this one's (null without psgd in the list). */
  speedupPerStep: number | null;
}

const PERIODIC = new Set(['pga', 'local-sgd']);

/** The bytes of one gossip message for an algorithm. */
export function messageBytes(algorithm: string, params: number, bytesPerParam: number): number {
  if (algorithm === 'gradient-tracking') return 2 * params * bytesPerParam;
  if (algorithm === 'push-sum') return (params + 1) * bytesPerParam;
  return params * bytesPerParam;
}

/** Per-step communication terms of one configuration (the every-step part). */
export function stepTerms(config: RunConfig, input: SimInput): CommTerms {
  const bytes = messageBytes(config.algorithm, input.params, input.bytesPerParam);
  if (config.algorithm === 'psgd') return ringAllreduce(input.nodes, bytes);
  if (config.algorithm === 'local-sgd') return NO_COMM;
  const schedule = createSchedule(config.topology, input.nodes, { seed: input.seed ?? 0 });
  return scale(scheduleGossip(schedule, bytes), input.rounds ?? DEFAULT_ROUNDS);
}

export function simulateConfig(config: RunConfig, input: SimInput): Omit<SimRow, 'speedupPerStep'> {
  const stepComm = stepTerms(config, input);
  const stepCommSeconds = seconds(stepComm, input.link);
  const periodic = PERIODIC.has(config.algorithm);
  const h = periodic ? config.globalAvgPeriod ?? DEFAULT_GLOBAL_AVG_PERIOD : null;
  const periodicSeconds = periodic ? seconds(ringAllreduce(input.nodes, input.params * input.bytesPerParam), input.link) : 0;
  // Share of steps that gossip: all of them, or all but the global-average ones.
  const gossipShare = h === null ? 1 : (h - 1) / h;
  const amortised = h === null ? 0 : periodicSeconds / h;
  const busy = input.overlap || config.overlap ? Math.max(input.computeSeconds, stepCommSeconds) : input.computeSeconds + stepCommSeconds;
  const globalStep = h === null ? 0 : (input.computeSeconds + periodicSeconds) / h;
  return {
    label: config.label,
    algorithm: config.algorithm,
    topology: config.algorithm === 'psgd' || config.algorithm === 'local-sgd' ? null : config.topology,
    globalAvgPeriod: h,
    stepComm,
    stepCommSeconds,
    periodicSeconds,
    commSeconds: gossipShare * stepCommSeconds + amortised,
    computeSeconds: input.computeSeconds,
    stepSeconds: gossipShare * busy + globalStep,
  };
}

export function simulate(configs: readonly RunConfig[], input: SimInput): SimRow[] {
  const rows = configs.map((c) => simulateConfig(c, input));
  const base = rows.find((r) => r.algorithm === 'psgd');
  return rows.map((r) => ({ ...r, speedupPerStep: base === undefined || r.stepSeconds <= 0 ? null : base.stepSeconds / r.stepSeconds }));
}
