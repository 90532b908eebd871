/**
 * The report's charts as Vega-Lite specs: loss and accuracy against
 * wall-clock and against steps, communication time per step, and the mean
 * step split into compute and communication. One line per configuration,
 * coloured in the order the configurations ran.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Comparison } from '../compare/build.js';
import type { AccuracyPoint, StepPoint } from '../compare/curves.js';
import { axisScale, TICKS } from './ticks.js';

/** Most points drawn per line; longer runs are averaged over windows of steps. */
export const MAX_POINTS_PER_LINE = 400;

export interface ChartSpec {
  id: string;
  title: string;
  spec: TopLevelSpec;
}

export interface ChartData {
  comparison: Comparison;
  steps: StepPoint[];
  accuracy: AccuracyPoint[];
}

/** Average consecutive points in windows so each configuration keeps at most `max` points. */
export function thin(points: readonly StepPoint[], max = MAX_POINTS_PER_LINE): StepPoint[] {
  const byConfig = new Map<string, StepPoint[]>();
  for (const p of points) byConfig.set(p.config, [...(byConfig.get(p.config) ?? []), p]);
  const out: StepPoint[] = [];
  for (const series of byConfig.values()) {
    const w = Math.ceil(series.length / max);
    if (w <= 1) {
      out.push(...series);
      continue;
    }
    for (let i = 0; i < series.length; i += w) {
      const chunk = series.slice(i, i + w);
      const last = chunk[chunk.length - 1];
      const avg = (f: (p: StepPoint) => number): number => chunk.reduce((a, p) => a + f(p), 0) / chunk.length;
      out.push({ config: last.config, step: last.step, wallSeconds: last.wallSeconds, loss: avg((p) => p.loss), commSeconds: avg((p) => p.commSeconds) });
    }
  }
  return out;
}

/** Bar lengths of a stacked bar chart, from 0 to each configuration's total. */
const stackTotals = (bars: { configuration: string; ms: number }[]): number[] => {
  const totals = new Map<string, number>();
  for (const b of bars) totals.set(b.configuration, (totals.get(b.configuration) ?? 0) + b.ms);
  return [0, ...totals.values()];
};

const WIDTH = 380;
const HEIGHT = 220;

interface Axis {
  field: string;
  title: string;
  /** Fractions shown as percentages. */
  percent?: boolean;
  /** Whole numbers (steps). */
  integer?: boolean;
  /** Narrowest domain drawn (a flat line or one point still gets distinct ticks). */
  minSpan: number;
  zero?: boolean;
}

/** A quantitative encoding: ticks formatted for the data's range (ticks.ts), title with its unit. */
function quantitative(axis: Axis, values: Record<string, unknown>[]): Record<string, unknown> {
  // A zero-based scale reaches down to 0: the ticks span that too.
  const data = [...values.map((v) => Number(v[axis.field])), ...(axis.zero === true ? [0] : [])];
  const scale = axisScale(data, { minSpan: axis.minSpan, percent: axis.percent, integer: axis.integer });
  return {
    field: axis.field,
    type: 'quantitative',
    title: axis.title,
    scale: { zero: axis.zero ?? false, ...(scale.domain !== undefined ? { domain: scale.domain } : {}) },
    axis: { format: scale.format, tickCount: TICKS, ...(axis.integer === true ? { tickMinStep: 1 } : {}) },
  };
}

function line(title: string, values: Record<string, unknown>[], x: Axis, y: Axis, labels: string[]): TopLevelSpec {
  return {
    width: WIDTH,
    height: HEIGHT,
    title,
    description: title,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.8, point: values.length <= 60 ? { size: 20 } : false },
    encoding: {
      x: quantitative(x, values),
      y: quantitative(y, values),
      color: { field: 'configuration', type: 'nominal', title: null, scale: { domain: labels }, sort: labels, legend: { orient: 'bottom', direction: 'horizontal', columns: 2, labelLimit: 220 } },
      order: { field: x.field, type: 'quantitative' },
    },
  } as TopLevelSpec;
}

export function comparisonCharts(data: ChartData): ChartSpec[] {
  const labels = data.comparison.configs.map((c) => c.label);
  const steps = thin(data.steps).map((p) => ({ configuration: p.config, step: p.step, wall: p.wallSeconds, loss: p.loss, commMs: p.commSeconds * 1000 }));
  const acc = data.accuracy.map((p) => ({ configuration: p.config, step: p.step, wall: p.wallSeconds, accuracy: p.accuracy }));
  const wall: Axis = { field: 'wall', title: 'wall-clock time (s)', minSpan: 0.1, zero: true };
  const step: Axis = { field: 'step', title: 'training step (iterations)', integer: true, minSpan: 2, zero: true };
  const loss: Axis = { field: 'loss', title: 'training loss (mean over ranks)', minSpan: 0.01 };
  const accuracy: Axis = { field: 'accuracy', title: 'test accuracy of the average model (%)', percent: true, minSpan: 0.01 };
  const bars = data.comparison.configs.flatMap((c) => {
    const comm = c.meanCommSeconds * 1000;
    const compute = c.meanComputeSeconds !== null ? c.meanComputeSeconds * 1000 : Math.max(0, c.meanStepSeconds * 1000 - comm);
    return [
      { configuration: c.label, part: 'compute', ms: compute },
      { configuration: c.label, part: 'communication', ms: comm },
    ];
  });
  // Charts without data are left out (e.g. accuracy when no run evaluated the average model).
  const accuracyCharts: ChartSpec[] =
    acc.length === 0 ? [] : [
      { id: 'accuracy-wall', title: 'Accuracy against wall-clock', spec: line('Accuracy against wall-clock', acc, wall, accuracy, labels) },
      { id: 'accuracy-step', title: 'Accuracy against steps', spec: line('Accuracy against steps', acc, step, accuracy, labels) },
    ];
  const lossCharts: ChartSpec[] =
    steps.length === 0 ? [] : [
      { id: 'loss-wall', title: 'Loss against wall-clock', spec: line('Loss against wall-clock', steps, wall, loss, labels) },
      { id: 'loss-step', title: 'Loss against steps', spec: line('Loss against steps', steps, step, loss, labels) },
    ];
  return [
    ...lossCharts,
    ...accuracyCharts,
    ...(steps.length === 0 ? [] : [{
      id: 'comm-step',
      title: 'Communication time per step',
      spec: line('Communication time per step', steps, step, { field: 'commMs', title: 'communication per step (ms, mean over ranks)', minSpan: 0.1, zero: true }, labels),
    }]),
    {
      id: 'step-split',
      title: 'Mean step time',
      spec: {
        width: WIDTH,
        height: Math.max(60, 28 * labels.length),
        title: 'Mean step time: compute and communication',
        description: 'Mean step time: compute and communication',
        data: { values: bars },
        mark: 'bar',
        encoding: {
          y: { field: 'configuration', type: 'nominal', sort: labels, title: null },
          x: { field: 'ms', type: 'quantitative', title: 'time per step (ms, summary means)', stack: 'zero', axis: { format: axisScale(stackTotals(bars), { minSpan: 0.1 }).format } },
          color: { field: 'part', type: 'nominal', title: 'part', scale: { domain: ['compute', 'communication'], range: ['#9ecae9', '#e45756'] } },
        },
      } as TopLevelSpec,
    },
  ];
}
