/**
 * `dtrain topology inspect --svg FILE`: the graph, drawn on a circle, beside
 * its consensus curve (log scale), as one standalone SVG rendered with
 * Vega-Lite. A time-varying schedule shows the union of the edges it uses
 * over one period (or its first few iterations).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Schedule } from '@dtrain/topology';
import { renderSvg } from '../report/svg.js';
import type { InspectReport } from './topology-report.js';

/** Iterations whose edges a non-periodic time-varying schedule draws. */
export const SVG_DYNAMIC_ITERATIONS = 4;
/** The log-scale floor: errors below it (exact averages) are drawn on it. */
export const SVG_ERROR_FLOOR = 1e-16;
const SIZE = 320;

interface Edge {
  readonly x: number;
  readonly y: number;
  readonly x2: number;
  readonly y2: number;
}

/** The iterations whose edges are drawn, and a caption saying which. */
export function drawnIterations(schedule: Schedule, K: number): { ks: number[]; caption: string } {
  if (!schedule.dynamic) return { ks: [0], caption: 'W' };
  const count = Math.max(1, Math.min(schedule.period ?? SVG_DYNAMIC_ITERATIONS, K, 64));
  const ks = Array.from({ length: count }, (_, k) => k);
  return { ks, caption: count === 1 ? 'W(0)' : `W(0) to W(${count - 1})${schedule.period === count ? ', one period' : ''}` };
}

/** Undirected edges {i, j} with W(k)[i][j] != 0 for some drawn k, as segments between points on a circle. */
export function graphEdges(schedule: Schedule, ks: readonly number[]): { nodes: Array<{ x: number; y: number; rank: number }>; edges: Edge[] } {
  const n = schedule.nodes;
  const at = (r: number): { x: number; y: number } => ({
    x: Math.cos((2 * Math.PI * r) / n - Math.PI / 2),
    y: -Math.sin((2 * Math.PI * r) / n - Math.PI / 2),
  });
  const seen = new Set<string>();
  const edges: Edge[] = [];
  for (const k of ks) {
    const W = schedule.matrix(k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j || W[i][j] === 0) continue;
        const key = i < j ? `${i}-${j}` : `${j}-${i}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const a = at(i);
        const b = at(j);
        edges.push({ x: a.x, y: a.y, x2: b.x, y2: b.y });
      }
    }
  }
  return { nodes: Array.from({ length: n }, (_, rank) => ({ rank, ...at(rank) })), edges };
}

export function inspectSvgSpec(report: InspectReport, schedule: Schedule): TopLevelSpec {
  const { ks, caption } = drawnIterations(schedule, report.iterations);
  const { nodes, edges } = graphEdges(schedule, ks);
  const axis = { scale: { domain: [-1.15, 1.15] }, axis: null };
  const curve = report.consensus.map((e, i) => ({ k: i + 1, error: Math.max(e, SVG_ERROR_FLOOR) }));
  return {
    title: `${report.topology}, n = ${report.nodes}`,
    hconcat: [
      {
        width: SIZE,
        height: SIZE,
        title: `edges of ${caption}${report.directed ? ' (directed; arrows not drawn)' : ''}`,
        view: { stroke: null },
        layer: [
          {
            data: { values: edges },
            mark: { type: 'rule', color: '#4c78a8', opacity: 0.55 },
            encoding: {
              x: { field: 'x', type: 'quantitative', ...axis },
              y: { field: 'y', type: 'quantitative', ...axis },
              x2: { field: 'x2' },
              y2: { field: 'y2' },
            },
          },
          {
            data: { values: nodes },
            mark: { type: 'circle', size: 140, color: '#f58518', opacity: 1 },
            encoding: { x: { field: 'x', type: 'quantitative', ...axis }, y: { field: 'y', type: 'quantitative', ...axis } },
          },
          {
            data: { values: nodes.length <= 64 ? nodes : [] },
            mark: { type: 'text', fontSize: 9, dy: 0.5 },
            encoding: {
              x: { field: 'x', type: 'quantitative', ...axis },
              y: { field: 'y', type: 'quantitative', ...axis },
              text: { field: 'rank', type: 'quantitative' },
            },
          },
        ],
      },
      {
        width: SIZE,
        height: SIZE,
        title: 'consensus error ||Phi(k) x0 - xbar|| / ||x0 - xbar||',
        data: { values: curve },
        mark: { type: 'line', point: curve.length <= 60 },
        encoding: {
          x: { field: 'k', type: 'quantitative', title: 'iteration k' },
          y: {
            field: 'error',
            type: 'quantitative',
            scale: { type: 'log' },
            axis: { format: '.0e' },
            title: `relative error (log; below ${SVG_ERROR_FLOOR.toExponential(0)} drawn at it)`,
          },
        },
      },
    ],
  } as TopLevelSpec;
}

/** The SVG text of `inspect --svg`. */
export async function inspectSvg(report: InspectReport, schedule: Schedule): Promise<string> {
  return renderSvg(inspectSvgSpec(report, schedule));
}
