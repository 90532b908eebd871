// The report's charts on short and long runs: rendered to SVG by the chart
// library, every axis has distinct tick labels and a title with its unit, and
// the runtime's default evaluation interval gives an accuracy curve enough points.
import { describe, expect, it } from 'vitest';
import { DEFAULT_EVALUATIONS, defaultEvalEvery } from '@dtrain/runtime';
import type { Comparison, ConfigResult } from '../src/compare/build.js';
import type { AccuracyPoint, StepPoint } from '../src/compare/curves.js';
import { comparisonCharts } from '../src/report/charts.js';
import { renderSvg } from '../src/report/svg.js';
import { axisScale, decimalsFor, niceStep } from '../src/report/ticks.js';

function config(label: string, meanStepSeconds: number): ConfigResult {
  return {
    label, algorithm: label.split(':')[0], topology: 'ring', nodes: 4, steps: 100, meanStepSeconds, meanCommSeconds: meanStepSeconds / 3,
    meanComputeSeconds: (2 * meanStepSeconds) / 3, wallClockSeconds: 100 * meanStepSeconds, finalAccuracy: 0.913, finalLoss: 0.3,
    consensusDistance: 0, timeToTargetSeconds: null, stepsToTarget: null, speedupTimeToTarget: null, speedupPerStep: null,
    commRatioVsPsgd: null, stepRatioVsPsgd: null, timeToTargetRatioVsPsgd: null, accuracyGapVsPsgd: null,
  };
}

const comparison = (labels: string[]): Comparison => ({
  baseline: labels[0], targetAccuracy: 0.913, targetSource: 'baseline-final', targetTolerance: 0, configs: labels.map((l, i) => config(l, 0.02 + 0.005 * i)),
});

/** Tick labels and titles of every axis in an SVG, in drawing order. */
function axes(svg: string): { labels: string[][]; titles: string[] } {
  const labels = [...svg.matchAll(/role-axis-label"[^>]*>((?:<text[^>]*>[^<]*<\/text>)*)<\/g>/g)].map((m) => [...m[1].matchAll(/>([^<]*)<\/text>/g)].map((t) => t[1]));
  const titles = [...svg.matchAll(/role-axis-title"[^>]*>\s*<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  return { labels, titles };
}

function steps(config: string, n: number, stepSeconds: number, loss: (k: number) => number): StepPoint[] {
  return Array.from({ length: n }, (_, i) => ({ config, step: i + 1, wallSeconds: (i + 1) * stepSeconds, loss: loss(i + 1), commSeconds: stepSeconds / 3 }));
}

async function renderAll(labels: string[], stepPoints: StepPoint[], accuracy: AccuracyPoint[]): Promise<Map<string, { labels: string[][]; titles: string[] }>> {
  const charts = comparisonCharts({ comparison: comparison(labels), steps: stepPoints, accuracy });
  const out = new Map<string, { labels: string[][]; titles: string[] }>();
  for (const c of charts) out.set(c.id, axes(await renderSvg(c.spec)));
  return out;
}

function expectReadable(rendered: Map<string, { labels: string[][]; titles: string[] }>): void {
  for (const [id, a] of rendered) {
    const quantitative = id === 'step-split' ? a.labels.slice(0, 1) : a.labels;
    expect(quantitative.length, id).toBeGreaterThan(0);
    for (const ticks of quantitative) {
      expect(ticks.length, `${id}: ${ticks.join(' ')}`).toBeGreaterThanOrEqual(3);
      expect(new Set(ticks).size, `${id}: ${ticks.join(' ')}`).toBe(ticks.length);
    }
    // every quantitative axis names its unit (s, ms, %, iterations) or says it is a mean of a unitless loss
    for (const t of a.titles) expect(t, id).toMatch(/\((s|ms|%|iterations)[,)]|loss/);
  }
}

describe('charts of a short run', () => {
  it('one evaluation per configuration at the same accuracy: distinct tick labels, not nine times "91.3%"', async () => {
    const labels = ['psgd', 'dsgd:ring'];
    const rendered = await renderAll(labels, [...steps('psgd', 100, 0.02, () => 0.3), ...steps('dsgd:ring', 100, 0.015, () => 0.3)], [
      { config: 'psgd', step: 100, wallSeconds: 2, accuracy: 0.913 },
      { config: 'dsgd:ring', step: 100, wallSeconds: 1.5, accuracy: 0.913 },
    ]);
    expectReadable(rendered);
    const acc = rendered.get('accuracy-step') as { labels: string[][] };
    // the ticks bracket 91.3%, a fraction of a point apart
    const values = acc.labels[1].map((l) => Number(l.replace('%', '')));
    expect(Math.min(...values)).toBeLessThan(91.3);
    expect(Math.max(...values)).toBeGreaterThan(91.3);
    expect(values[1] - values[0]).toBeLessThanOrEqual(0.5);
  });

  it('accuracies a tenth of a point apart and forty points apart both get readable percent ticks', async () => {
    for (const spread of [0.001, 0.4]) {
      const accuracy = Array.from({ length: 10 }, (_, i) => ({ config: 'psgd', step: 10 * (i + 1), wallSeconds: 0.2 * (i + 1), accuracy: 0.5 + (spread * i) / 9 }));
      expectReadable(await renderAll(['psgd'], steps('psgd', 100, 0.002, (k) => 1 / k), accuracy));
    }
  });

  it('a three-step run still has whole-number step ticks', async () => {
    const rendered = await renderAll(['psgd'], steps('psgd', 3, 0.001, () => 0.7), [{ config: 'psgd', step: 3, wallSeconds: 0.003, accuracy: 0.2 }]);
    expectReadable(rendered);
    for (const tick of (rendered.get('loss-step') as { labels: string[][] }).labels[0]) expect(tick).toMatch(/^\d+$/);
  });
});

describe('tick formats', () => {
  it('have as many decimals as the tick step needs', () => {
    expect(decimalsFor(0.02)).toBe(2);
    expect(decimalsFor(1)).toBe(0);
    expect(decimalsFor(50)).toBe(0);
    expect(niceStep(0, 1)).toBe(0.2);
    expect(niceStep(0.9, 0.93)).toBeCloseTo(0.005, 12);
    expect(axisScale([0.912, 0.914], { percent: true, minSpan: 0.01 }).format).toBe('.1%');
    expect(axisScale([0.5, 0.9], { percent: true, minSpan: 0.01 }).format).toBe('.0%');
    expect(axisScale([0.9131, 0.9131], { percent: true, minSpan: 0.01 }).domain).toEqual([0.9081, 0.9181]);
  });
});

describe('the default evaluation interval', () => {
  it(`gives at least ${DEFAULT_EVALUATIONS} evaluations on runs of 10 steps and up, and one an epoch at least`, () => {
    for (const [total, perEpoch] of [[10, 10], [37, 37], [100, 468], [1404, 468], [100_000, 468]]) {
      const every = defaultEvalEvery(total, perEpoch);
      expect(Math.floor(total / every), `${total} steps`).toBeGreaterThanOrEqual(DEFAULT_EVALUATIONS);
      expect(every).toBeLessThanOrEqual(perEpoch);
    }
    expect(defaultEvalEvery(3, 3)).toBe(1);
  });
});
