/**
 * `dtrain simulate --calibrate DIR`: the model's inputs from a measured run.
 *
 * From DIR/summary.json and the rank logs: nodes, compute seconds per step
 * (meanComputeSeconds), parameter count (the `{kind:'fit'}` line), and the
 * link. With alpha given (a latency cannot be told apart from bandwidth in
 * one run), beta is what makes the model's communication for the measured
 * configuration equal the measured mean:
 *
 *   beta = (meanCommSeconds - messages * alpha) / bytes
 *
 * where messages and bytes are the model's per-step critical path for that
 * configuration (periodic global averages amortised over their period, in
 * place of the gossip of their step).
 */
import { DEFAULT_GLOBAL_AVG_PERIOD } from '@dtrain/runtime/contract';
import type { RunConfig } from '../compare/configs.js';
import { configSlug, OVERLAP_SUFFIX } from '../compare/configs.js';
import { RunDataError } from '../compare/errors.js';
import type { RunData } from '../compare/run-data.js';
import { add, ringAllreduce, scale, type CommTerms, type Link } from './alpha-beta.js';
import { stepTerms } from './model.js';

export interface Calibration {
  dir: string;
  config: RunConfig;
  nodes: number;
  params: number;
  computeSeconds: number;
  measuredCommSeconds: number;
  /** The model's mean per-step critical path for the measured configuration. */
  terms: CommTerms;
  /** Mean bytes a rank sent per step, from the logs (null without step lines). */
  measuredBytesPerStep: number | null;
  link: Link;
  bitsPerSecond: number;
}

export interface CalibrateOptions {
  alpha: number;
  bytesPerParam: number;
  /** Overrides the parameter count of the logs. */
  params?: number;
}

function measuredBytes(run: RunData): number | null {
  const all = run.ranks.flatMap((r) => r.steps.map((s) => s.bytesSent));
  return all.length === 0 ? null : all.reduce((a, b) => a + b, 0) / all.length;
}

/**
 * The configuration a run measured, from its summary (algorithm, topology,
 * period); overlapped when its label says so (`dtrain compare`'s +overlap).
 */
export function configOfRun(run: RunData): RunConfig {
  const s = run.summary;
  const periodic = s.algorithm === 'pga' || s.algorithm === 'local-sgd';
  const h = periodic ? s.globalAvgPeriod ?? DEFAULT_GLOBAL_AVG_PERIOD : null;
  const overlap = run.label.endsWith(OVERLAP_SUFFIX);
  const base = s.algorithm === 'psgd' ? 'psgd' : [s.algorithm, s.topology, ...(h !== null ? [String(h)] : [])].join(':');
  const label = overlap ? `${base}${OVERLAP_SUFFIX}` : base;
  return { label, slug: configSlug(label), algorithm: s.algorithm as RunConfig['algorithm'], topology: s.topology, globalAvgPeriod: h, overlap, compress: null };
}

export function calibrate(run: RunData, options: CalibrateOptions): Calibration {
  const s = run.summary;
  const params = options.params ?? run.ranks.find((r) => r.params !== null)?.params ?? null;
  if (params === null) {
    throw new RunDataError('E_RUN_SUMMARY', `${run.dir}: no parameter count in the logs (no {kind:'fit', params} line); pass --params`);
  }
  const meanStepCompute = (): number | null => {
    const all = run.ranks.flatMap((r) => r.steps.map((x) => x.computeSeconds));
    return all.length === 0 ? null : all.reduce((a, b) => a + b, 0) / all.length;
  };
  const computeSeconds = s.meanComputeSeconds ?? meanStepCompute() ?? s.meanStepSeconds - s.meanCommSeconds;
  const config = configOfRun(run);
  const { label, globalAvgPeriod: h } = config;
  const input = { nodes: s.nodes, params, bytesPerParam: options.bytesPerParam, computeSeconds, link: { alpha: options.alpha, beta: 0 }, overlap: false };
  let terms = stepTerms(config, input);
  if (h !== null) terms = add(scale(terms, (h - 1) / h), scale(ringAllreduce(s.nodes, params * options.bytesPerParam), 1 / h));
  if (terms.bytes <= 0) {
    throw new RunDataError('E_RUN_SUMMARY', `${run.dir}: ${label} on ${s.nodes} node(s) sends nothing in the model, so the link cannot be calibrated from it; calibrate from a run with communication`);
  }
  const beta = (s.meanCommSeconds - terms.messages * options.alpha) / terms.bytes;
  if (!(beta > 0)) {
    throw new RunDataError(
      'E_RUN_SUMMARY',
      `${run.dir}: measured communication ${(s.meanCommSeconds * 1000).toFixed(3)} ms per step is below the latency alone (${terms.messages.toFixed(2)} x ${(options.alpha * 1e6).toFixed(1)} us); lower --latency-us`,
    );
  }
  return {
    dir: run.dir,
    config,
    nodes: s.nodes,
    params,
    computeSeconds,
    measuredCommSeconds: s.meanCommSeconds,
    terms,
    measuredBytesPerStep: measuredBytes(run),
    link: { alpha: options.alpha, beta },
    bitsPerSecond: 8 / beta,
  };
}
