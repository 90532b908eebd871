/**
 * What `dtrain topology inspect` measures about a schedule, and how it is
 * printed: a readable table, or JSON for machines.
 */
import {
  EQUI_DEFAULT_FAILURE_PROBABILITY,
  consensusCurve,
  equiDegree,
  equiDynRestricted,
  equiEpsilonOf,
  periodContraction,
  digraphMetrics,
  digraphTransientIterations,
  maxDegree,
  meanSquareContraction,
  transientIterations,
  verifySchedule,
  type Matrix,
  type PeriodContraction,
  type Schedule,
  type TopologyOptions,
} from '@dtrain/topology';
import { UsageError } from '../errors.js';

/** The consensus curve always starts from this seeded x0, so runs are comparable across graph seeds. */
export const CONSENSUS_X0_SEED = 0;

export interface InspectReport {
  readonly topology: string;
  readonly nodes: number;
  readonly seed: number;
  readonly iterations: number;
  readonly directed: boolean;
  readonly dynamic: boolean;
  readonly stochastic: 'doubly' | 'column';
  /** Peers a node receives from in one iteration, max over nodes and iterations. */
  readonly maxDegree: number;
  /** Point-to-point messages per iteration, averaged over the iterations. */
  readonly messagesPerIteration: number;
  /** ||W - J||_2, or the mean-square contraction over the iterations for a dynamic schedule. */
  readonly rho: number;
  /**
   * DSGD transient-iteration estimates (null when the rate is >= 1: no estimate),
   * from rho, or from period.perStep for a periodic schedule.
   */
  readonly transientIterations: { readonly iid: number | null; readonly nonIid: number | null };
  /** Periodic doubly stochastic schedules: the contraction of the product over one period. */
  readonly period?: PeriodContraction;
  /** EquiTopo graphs with M basis indices: the epsilon M guarantees with probability 1 - p (reference rule). */
  readonly equiTopo?: {
    readonly M: number;
    readonly p: number;
    readonly epsilon: number;
    readonly guarantee: boolean;
    /** OD-/OU-EquiDyn: the bound is on the static draw (D-/U-EquiStatic) the v_k come from. */
    readonly ofStaticDraw: boolean;
  };
  /** Entry k-1: ||Phi(k) x0 - xbar|| / ||x0 - xbar|| (push-sum ratio for column-stochastic W). */
  readonly consensus: readonly number[];
  /** With hosts (hierarchical schedules, or --local-size): messages (whole vectors) that cross hosts per iteration. */
  readonly hosts?: {
    readonly hosts: number;
    readonly localSize: number;
    /** hier:<inter>: the inter-host schedule its leaders run. */
    readonly inter?: string;
    readonly crossHostMessagesPerIteration: number;
  };
  /** Static directed schedules only (seed 003). */
  readonly betaPi?: number;
  readonly kappaPi?: number;
  readonly pushSumTransientIterations?: { readonly pushDiging: number | null; readonly multiGossip: number | null };
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

const EQUI_STATIC = ['d-equistatic', 'u-equistatic'];
const EQUI_DYN = ['od-equidyn', 'ou-equidyn'];

function equiTopoOf(schedule: Schedule, options: TopologyOptions): InspectReport['equiTopo'] {
  const uses = EQUI_STATIC.includes(schedule.name) || (EQUI_DYN.includes(schedule.name) && equiDynRestricted(options));
  if (!uses) return undefined;
  const M = equiDegree(schedule.nodes, options);
  const p = options.p ?? EQUI_DEFAULT_FAILURE_PROBABILITY;
  const epsilon = equiEpsilonOf(schedule.nodes, M, p);
  return { M, p, epsilon, guarantee: epsilon < 1, ofStaticDraw: EQUI_DYN.includes(schedule.name) };
}

/** Messages per iteration between ranks of different hosts: the leaders' inter steps for hier:, else the schedule's own sends. */
function hostsOf(schedule: Schedule, K: number, localSize: number | undefined): InspectReport['hosts'] {
  const h = schedule.hierarchy;
  if (h !== undefined) {
    const messages = verifySchedule(h.inter, 0, K).messages;
    return { hosts: h.hosts, localSize: h.localSize, inter: h.inter.name, crossHostMessagesPerIteration: messages / K };
  }
  if (localSize === undefined) return undefined;
  if (schedule.nodes % localSize !== 0) {
    throw new UsageError(`--local-size ${localSize} does not divide --nodes ${schedule.nodes}; give the ranks per host`);
  }
  let crossing = 0;
  for (let k = 0; k < K; k++) {
    for (let r = 0; r < schedule.nodes; r++) {
      crossing += schedule.at(k, r).sendTo.filter((j) => Math.floor(j / localSize) !== Math.floor(r / localSize)).length;
    }
  }
  return { hosts: schedule.nodes / localSize, localSize, crossHostMessagesPerIteration: crossing / K };
}

export function inspectSchedule(schedule: Schedule, iterations: number, seed: number, options: TopologyOptions = {}): InspectReport {
  const K = iterations;
  const n = schedule.nodes;
  const rho = meanSquareContraction(schedule, K);
  const check = verifySchedule(schedule, 0, K);
  const period = periodContraction(schedule);
  const rate = period?.perStep ?? rho;
  const equiTopo = equiTopoOf(schedule, options);
  const hosts = hostsOf(schedule, K, options.localSize);
  const base = {
    topology: schedule.name,
    nodes: n,
    seed,
    iterations: K,
    directed: schedule.directed,
    dynamic: schedule.dynamic,
    stochastic: schedule.stochastic,
    maxDegree: maxDegree(schedule, K),
    messagesPerIteration: check.messages / K,
    rho,
    transientIterations: {
      iid: finiteOrNull(transientIterations(rate, n, 'iid')),
      nonIid: finiteOrNull(transientIterations(rate, n, 'non-iid')),
    },
    consensus: consensusCurve(schedule, K, { seed: CONSENSUS_X0_SEED }),
    ...(period === undefined ? {} : { period }),
    ...(equiTopo === undefined ? {} : { equiTopo }),
    ...(hosts === undefined ? {} : { hosts }),
  };
  const digraph = schedule.directed ? digraphMetrics(schedule) : undefined;
  if (digraph === undefined) return base;
  return {
    ...base,
    betaPi: digraph.betaPi,
    kappaPi: digraph.kappaPi,
    pushSumTransientIterations: {
      pushDiging: finiteOrNull(digraphTransientIterations(digraph.betaPi, digraph.kappaPi, n, 'push-diging')),
      multiGossip: finiteOrNull(digraphTransientIterations(digraph.betaPi, digraph.kappaPi, n, 'multi-gossip')),
    },
  };
}

const sci = (x: number | null): string => (x === null ? 'unbounded' : x.toExponential(2));

/** The iterations the table shows: 1..5, then every 5th, then the last. */
function shownIterations(K: number): number[] {
  const ks = new Set<number>();
  for (let k = 1; k <= Math.min(5, K); k++) ks.add(k);
  for (let k = 10; k <= K; k += 5) ks.add(k);
  if (K >= 1) ks.add(K);
  return [...ks].sort((a, b) => a - b);
}

function periodLine(p: PeriodContraction): string {
  const product = `||W(${p.period - 1})...W(0) - J||_2`;
  if (p.exact) return `${p.period}: ${product} = 0, the exact average every ${p.period} iterations`;
  return `${p.period}: ${product} = ${p.contraction.toFixed(6)} (worst start), ${p.perStep.toFixed(6)} per step`;
}

function equiLine(e: NonNullable<InspectReport['equiTopo']>): string {
  const rule = `M = ${e.M} basis graphs${e.ofStaticDraw ? ' (v_k drawn from them)' : ''}: epsilon = sqrt(8 ln(2n/p) / (3M)) = ${e.epsilon.toFixed(2)} at p = ${e.p}`;
  const what = e.ofStaticDraw ? 'the static graph of those M' : 'rho';
  return e.guarantee
    ? `${rule}, so ${what} < ${e.epsilon.toFixed(2)} with probability >= ${1 - e.p}`
    : `${rule} (the reference's rule): above 1, so no guarantee; choose M with --epsilon`;
}

export function formatReport(r: InspectReport): string {
  const shape = [
    r.dynamic ? 'time-varying' : 'static',
    r.directed ? 'directed' : 'undirected',
    r.stochastic === 'doubly' ? 'doubly stochastic' : 'column stochastic (push-sum)',
  ].join(', ');
  const rows: Array<[string, string]> = [
    ['topology', `${r.topology} (${shape})`],
    ['nodes', `${r.nodes}  (seed ${r.seed})`],
    ['max degree', `${r.maxDegree} peers received from per iteration${r.hosts?.inter ? ' (in the effective W(k); see hosts)' : ''}`],
    ['messages', `${r.messagesPerIteration.toFixed(1)} per iteration${r.hosts?.inter ? ' (effective W(k))' : ''}`],
    [
      'rho',
      `${r.rho.toFixed(6)}  (${r.dynamic ? `mean-square contraction over ${r.iterations} iterations${r.period ? ', per step' : ''}` : '||W - J||_2'})`,
    ],
  ];
  if (r.period) rows.push(['period', periodLine(r.period)]);
  rows.push([
    'transient',
    r.period?.exact
      ? `0 by the rho formula: the exact average every ${r.period.period} iterations, as local SGD averaging every ${r.period.period}`
      : `DSGD ~ ${sci(r.transientIterations.iid)} iid, ~ ${sci(r.transientIterations.nonIid)} non-iid (order of magnitude${r.period ? ', from the rate per step over a period' : ''})`,
  ]);
  if (r.equiTopo) rows.push(['EquiTopo', equiLine(r.equiTopo)]);
  if (r.hosts) {
    const how = r.hosts.inter ? `; inside: ring allreduce + broadcast, across: ${r.hosts.inter} between the hosts' local rank 0` : '';
    rows.push(['hosts', `${r.hosts.hosts} of ${r.hosts.localSize} ranks${how}; ${r.hosts.crossHostMessagesPerIteration.toFixed(1)} vectors cross hosts per iteration`]);
  }
  if (r.betaPi !== undefined && r.kappaPi !== undefined) {
    rows.push(['beta_pi', r.betaPi.toFixed(6)], ['kappa_pi', r.kappaPi.toPrecision(6)]);
    const ps = r.pushSumTransientIterations;
    if (ps) rows.push(['push-sum', `~ ${sci(ps.pushDiging)} Push-DIGing, ~ ${sci(ps.multiGossip)} multi-gossip`]);
  }
  const label = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = rows.map(([k, v]) => k.padEnd(label) + v);
  lines.push('', `consensus error ||Phi(k) x0 - xbar|| / ||x0 - xbar||${r.stochastic === 'column' ? ' (push-sum)' : ''}:`);
  for (const k of shownIterations(r.iterations)) {
    lines.push(`  k = ${String(k).padStart(4)}   ${r.consensus[k - 1].toExponential(3)}`);
  }
  return lines.join('\n') + '\n';
}

/** The report as JSON; unbounded estimates are null. */
export function reportJson(r: InspectReport): string {
  return JSON.stringify(r) + '\n';
}

/** {"topology","nodes","iteration","seed","matrix"} with one matrix row per line. */
export function matrixJson(topology: string, nodes: number, iteration: number, seed: number, W: Matrix): string {
  const head = JSON.stringify({ topology, nodes, iteration, seed });
  const rows = W.map((row) => '    ' + JSON.stringify(row)).join(',\n');
  return `${head.slice(0, -1)},\n  "matrix": [\n${rows}\n  ]\n}\n`;
}
