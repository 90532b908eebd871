/** comparison.md: the comparison as a Markdown table, with the definitions under it. */
import type { Comparison, ConfigResult } from './build.js';

const ms = (s: number | null): string => (s === null ? 'n/a' : (s * 1000).toFixed(2));
const pct = (a: number | null): string => (a === null ? 'n/a' : `${(a * 100).toFixed(2)}%`);
const fixed = (v: number | null, d: number): string => (v === null ? 'n/a' : v.toFixed(d));
const times = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(2)}x`);

function row(c: ConfigResult): string {
  const cells = [
    `\`${c.label}\``,
    ms(c.meanStepSeconds),
    ms(c.meanCommSeconds),
    ms(c.wallSecondsPerStep),
    pct(c.finalAccuracy),
    fixed(c.finalLoss, 4),
    c.timeToTargetSeconds === null ? 'not reached' : `${c.timeToTargetSeconds.toFixed(2)} (step ${c.stepsToTarget})`,
    times(c.speedupTimeToTarget),
    times(c.speedupPerStep),
    fixed(c.commRatioVsPsgd, 3),
    fixed(c.timeToTargetRatioVsPsgd, 3),
    c.accuracyGapVsPsgd === null ? 'n/a' : `${c.accuracyGapVsPsgd >= 0 ? '+' : ''}${c.accuracyGapVsPsgd.toFixed(2)}`,
  ];
  return `| ${cells.join(' | ')} |`;
}

export function comparisonMarkdown(cmp: Comparison, title = 'Comparison'): string {
  const nodes = [...new Set(cmp.configs.map((c) => c.nodes))].join(', ') || 'n/a';
  const target =
    cmp.targetAccuracy === null ? 'none (no psgd run and no --target-accuracy)'
    : `${pct(cmp.targetAccuracy)} (${cmp.targetSource === 'given' ? '--target-accuracy' : `final accuracy of ${cmp.baseline}${cmp.targetTolerance > 0 ? ` less ${(cmp.targetTolerance * 100).toFixed(2)} points` : ''}`})`;
  return [
    `# ${title}`,
    '',
    `Nodes: ${nodes}. Target accuracy: ${target}. Baseline: ${cmp.baseline ?? 'none'}.`,
    '',
    '| configuration | mean step (ms) | mean comm (ms) | wall-clock per step (ms) | final accuracy | final loss | time to target (s) | speedup, time to target | speedup, per step | comm / psgd | time to target / psgd | accuracy - psgd (points) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...cmp.configs.map(row),
    '',
    'Mean step and communication times, final loss and accuracy are the runs\' summary.json figures.',
    'Time to target: the slowest rank\'s elapsed time (its own clock, from its first step) up to the first evaluation of the average model at or above the target, less the time spent evaluating.',
    'Wall-clock per step: that clock at the last step / the steps (step time plus what the loop does between steps). Speedup per step compares it, so where two runs reach the target at the same step the two speedups read one clock.',
    'Speedups: baseline / configuration (above 1 = faster than the baseline). Ratios "/ psgd": configuration / baseline (below 1 = cheaper).',
    '',
  ].join('\n');
}
