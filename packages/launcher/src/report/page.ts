/**
 * report.html: one self-contained page (inline SVG and CSS, no script, no
 * external URL): the comparison table, then every chart of charts.ts.
 */
import type { Comparison } from '../compare/build.js';
import type { AccuracyPoint, StepPoint } from '../compare/curves.js';
import { comparisonCharts } from './charts.js';
import { renderSvg } from './svg.js';

export interface ReportInput {
  title: string;
  comparison: Comparison;
  steps: StepPoint[];
  accuracy: AccuracyPoint[];
  /** Lines shown under the title (command, nodes, cluster...). */
  notes?: string[];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const fmt = {
  ms: (s: number | null): string => (s === null ? 'n/a' : (s * 1000).toFixed(2)),
  pct: (a: number | null): string => (a === null ? 'n/a' : `${(a * 100).toFixed(2)}%`),
  num: (v: number | null, d: number): string => (v === null ? 'n/a' : v.toFixed(d)),
  x: (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(2)}&times;`),
};

function table(cmp: Comparison): string {
  const head = ['configuration', 'mean step (ms)', 'mean comm (ms)', 'wall-clock per step (ms)', 'final accuracy', 'final loss', 'time to target (s)', 'speedup, time to target', 'speedup, per step'];
  const rows = cmp.configs.map((c) => {
    const cells = [
      `<code>${escapeHtml(c.label)}</code>`,
      fmt.ms(c.meanStepSeconds),
      fmt.ms(c.meanCommSeconds),
      fmt.ms(c.wallSecondsPerStep),
      fmt.pct(c.finalAccuracy),
      fmt.num(c.finalLoss, 4),
      c.timeToTargetSeconds === null ? 'not reached' : `${c.timeToTargetSeconds.toFixed(2)} <small>(step ${c.stepsToTarget})</small>`,
      fmt.x(c.speedupTimeToTarget),
      fmt.x(c.speedupPerStep),
    ];
    return `<tr>${cells.map((v, i) => (i === 0 ? `<th scope="row">${v}</th>` : `<td>${v}</td>`)).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1040px;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.25rem}
p.note{color:#555;margin:.2rem 0}
table{border-collapse:collapse;margin:1.2rem 0;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .7rem;text-align:right}
th[scope=row],thead th:first-child{text-align:left}
thead th{border-bottom:2px solid #888}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem 2rem}
figure{margin:0}
figure svg{max-width:100%;height:auto}
footer{color:#666;font-size:.85rem;margin-top:1.5rem}
`;

export async function reportHtml(input: ReportInput): Promise<string> {
  const charts = comparisonCharts(input);
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));
  const cmp = input.comparison;
  const target =
    cmp.targetAccuracy === null ? 'no target accuracy' : `target accuracy ${fmt.pct(cmp.targetAccuracy)}${cmp.targetSource === 'baseline-final' ? ` (final accuracy of ${escapeHtml(cmp.baseline ?? '')}${cmp.targetTolerance > 0 ? ` less ${(cmp.targetTolerance * 100).toFixed(2)} points` : ''})` : ''}`;
  const missing = [
    ...(input.steps.length === 0 ? ['No step lines in the rank logs: no loss or communication curves.'] : []),
    ...(input.accuracy.length === 0 ? ['No run evaluated the average model on test data: no accuracy curves and no time to target.'] : []),
  ];
  const figures = charts.map((c, i) => `<figure id="${c.id}" data-chart="${c.id}" aria-label="${escapeHtml(c.title)}">${svgs[i]}</figure>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
${(input.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
<p class="note">Baseline: ${escapeHtml(cmp.baseline ?? 'none')}; ${target}.</p>
${missing.map((n) => `<p class="note">${n}</p>`).join('\n')}
${table(cmp)}
<div class="charts">
${figures.join('\n')}
</div>
<footer>Wall-clock: the slowest rank's elapsed time from its first step, measured by its own clock, less the time spent evaluating; per step: that clock at the last step / the steps. Speedups: baseline / configuration.</footer>
</body>
</html>
`;
}
