/**
 * Axis scales and tick formats that read well whatever the data's range: a
 * short run's accuracies may span a tenth of a point, a long run's forty
 * points, and the labels must differ from one tick to the next either way.
 */

/** Ticks per axis asked of the chart library (it rounds to 1, 2 or 5 x 10^k steps). */
export const TICKS = 5;

export interface AxisScale {
  /** d3-format specifier of the tick labels. */
  format: string;
  /** Explicit domain when the data's own would be (nearly) a single value. */
  domain?: [number, number];
}

/** Decimals that tell apart ticks `step` apart (a step of 0.02 needs 2). */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** The tick step the chart library (d3's ticks) takes for [min, max] with about `count` ticks: 1, 2 or 5 x 10^k. */
export function niceStep(min: number, max: number, count = TICKS): number {
  const raw = (max - min) / count;
  if (!(raw > 0)) return 0;
  const base = 10 ** Math.floor(Math.log10(raw));
  const m = raw / base;
  return base * (m >= Math.sqrt(50) ? 10 : m >= Math.sqrt(10) ? 5 : m >= Math.sqrt(2) ? 2 : 1);
}

/**
 * Scale of a quantitative axis over `values`: the domain is widened to at
 * least `minSpan` around the data (one point, or a flat line, still gets
 * distinct ticks), and the format has as many decimals as the tick step
 * needs. `percent`: values are fractions shown as percentages.
 */
export function axisScale(values: readonly number[], options: { percent?: boolean; minSpan: number; integer?: boolean }): AxisScale {
  const finite = values.filter(Number.isFinite);
  let min = finite.length === 0 ? 0 : Math.min(...finite);
  let max = finite.length === 0 ? 1 : Math.max(...finite);
  let domain: [number, number] | undefined;
  if (max - min < options.minSpan) {
    const mid = (min + max) / 2;
    min = mid - options.minSpan / 2;
    max = mid + options.minSpan / 2;
    if (finite.every((v) => v >= 0) && min < 0) [min, max] = [0, options.minSpan];
    if (options.percent === true && max > 1) [min, max] = [1 - options.minSpan, 1];
    domain = [min, max];
  }
  const step = niceStep(min, max);
  if (options.integer === true) return { format: step >= 1000 ? '~s' : ',d', ...(domain !== undefined ? { domain } : {}) };
  const decimals = decimalsFor(options.percent === true ? step * 100 : step);
  return { format: `.${decimals}${options.percent === true ? '%' : 'f'}`, ...(domain !== undefined ? { domain } : {}) };
}
