/**
 * The report's charts as Vega-Lite specs: loss and accuracy against
 * wall-clock and against steps, communication time per step, and the mean
 * step split into compute and communication. One line per configuration,
 * coloured in the order the configurations ran.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Comparison } from '../compare/build.js';
import type { AccuracyPoint, StepPoint } from '../compare/curves.js';

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

const WIDTH = 380;
const HEIGHT = 220;

function line(
  title: string,
  values: Record<string, unknown>[],
  x: { field: string; title: string },
  y: { field: string; title: string; format?: string; zero?: boolean },
  labels: string[],
): TopLevelSpec {
  return {
    width: WIDTH,
    height: HEIGHT,
    title,
    description: title,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.8, point: values.length <= 60 ? { size: 20 } : false },
    encoding: {
      x: { field: x.field, type: 'quantitative', title: x.title },
      y: { field: y.field, type: 'quantitative', title: y.title, scale: { zero: y.zero ?? false }, ...(y.format !== undefined ? { axis: { format: y.format } } : {}) },
      color: { field: 'configuration', type: 'nominal', title: null, scale: { domain: labels }, sort: labels, legend: { orient: 'bottom', direction: 'horizontal', columns: 2, labelLimit: 220 } },
      order: { field: x.field, type: 'quantitative' },
    },
  } as TopLevelSpec;
}

export function comparisonCharts(data: ChartData): ChartSpec[] {
  const labels = data.comparison.configs.map((c) => c.label);
  const steps = thin(data.steps).map((p) => ({ configuration: p.config, step: p.step, wall: p.wallSeconds, loss: p.loss, commMs: p.commSeconds * 1000 }));
  const acc = data.accuracy.map((p) => ({ configuration: p.config, step: p.step, wall: p.wallSeconds, accuracy: p.accuracy }));
  const wall = { field: 'wall', title: 'wall-clock (s)' };
  const step = { field: 'step', title: 'step' };
  const loss = { field: 'loss', title: 'training loss (mean over ranks)' };
  const accuracy = { field: 'accuracy', title: 'test accuracy of the average model', format: '.1%' };
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
      spec: line('Communication time per step', steps, step, { field: 'commMs', title: 'communication (ms, mean over ranks)', zero: true }, labels),
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
          x: { field: 'ms', type: 'quantitative', title: 'ms per step (summary means)', stack: 'zero' },
          color: { field: 'part', type: 'nominal', title: 'part', scale: { domain: ['compute', 'communication'], range: ['#9ecae9', '#e45756'] } },
        },
      } as TopLevelSpec,
    },
  ];
}
