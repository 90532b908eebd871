/**
 * `dtrain bench step`: what a dtrain step costs apart from communication,
 * against a bare tfjs step and a bare step plus one read and one write of
 * every weight, on N local ranks that exchange for real (runtime
 * bin/step-worker.ts). The loops alternate in each process; per round the
 * median step of each, then the median over rounds and ranks.
 *   ratio = dtrainMs / bareReadWriteMs    (goal <= 1.15)
 */
import type { Command } from 'commander';
import { BACKEND_CHOICES, workerScriptPath } from '@dtrain/runtime/contract';
import { UsageError } from '../errors.js';
import { intOption } from '../options.js';
import { tfThreadEnv } from '../threads.js';
import { backendOption, nodesOption, timeoutOption } from '../option-defs.js';
import { numberList, runForResults, timeoutMsOption } from './local-workers.js';

interface StepFlags {
  backend?: string;
  model: string;
  hidden?: string;
  batch: string;
  nodes: string;
  steps: string;
  rounds: string;
  timeout: string;
  json?: boolean;
}

export interface StepReport {
  backend: string;
  model: string;
  params: number;
  nodes: number;
  batch: number;
  threadsPerRank: number;
  dtrainMs: number;
  commMs: number;
  bareMs: number;
  bareReadWriteMs: number;
  memcpyMs: number;
  /** dtrainMs / bareReadWriteMs: median over ranks and rounds of the per-round ratios. */
  ratio: number;
  /** (dtrainMs - bareMs) / memcpyMs: the weight round trip against its floor of two memcpys. */
  roundTripOverMemcpy: number;
  /** Garbage-collection pause per step inside each loop, mean over ranks. */
  gcMsPerStep: { dtrain: number; bare: number; bareReadWrite: number };
  /** Where the dtrain step's own time goes (ms per step, mean over ranks): gradient, apply, read, write. */
  dtrainPartsMs: Record<string, number>;
  /** tf.memory().numTensors after the timed steps minus before, largest over ranks (0: no leak). */
  tensorGrowth: number;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function meanParts(results: readonly Record<string, unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const p = r.dtrainPartsMs;
    if (typeof p !== 'object' || p === null) continue;
    for (const [k, v] of Object.entries(p)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v / results.length;
  }
  return out;
}

function hiddenOption(raw: string | undefined, model: string): number[] | undefined {
  if (raw === undefined) return undefined;
  if (model !== 'mlp') throw new UsageError(`--hidden applies to --model mlp only; drop it for --model ${model}`);
  const widths = raw.split(',').map((w) => Number(w.trim()));
  if (widths.length === 0 || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 65_536)) {
    throw new UsageError(`--hidden ${JSON.stringify(raw)} is not a list of layer widths; write e.g. --hidden 2048,1024`);
  }
  return widths;
}

async function stepAction(flags: StepFlags): Promise<void> {
  const backend = flags.backend ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend ${JSON.stringify(backend)} is not one of ${BACKEND_CHOICES.join(', ')}`);
  }
  if (flags.model !== 'mlp' && flags.model !== 'cnn') throw new UsageError(`--model ${JSON.stringify(flags.model)} is not mlp or cnn`);
  const hidden = hiddenOption(flags.hidden, flags.model);
  const nodes = intOption('--nodes', flags.nodes, 1, 64);
  const batch = intOption('--batch', flags.batch, 1, 4096);
  const steps = intOption('--steps', flags.steps, 1, 10_000);
  const rounds = intOption('--rounds', flags.rounds, 1, 1000);
  const timeoutMs = timeoutMsOption(flags.timeout);
  const threads = tfThreadEnv(nodes, process.env);
  const params = { backend, model: flags.model, hidden, batch, steps, rounds, warmup: 3, timeoutMs };
  const results = await runForResults('bench step', { script: workerScriptPath('step'), params, nodes, graceMs: 2 * timeoutMs + 5_000, env: threads.env });
  const series = (key: string): number[][] => results.map((r, k) => numberList(r[key], rounds, `rank ${k}'s ${key}`));
  const all = (key: string): number => median(series(key).flat());
  const d = series('dtrainMs');
  const rw = series('bareReadWriteMs');
  const ratio = median(d.flatMap((run, k) => run.map((v, i) => v / rw[k][i])));
  const gcOf = (key: 'dtrain' | 'bare' | 'bareReadWrite'): number =>
    results.reduce((sum, r) => {
      const g = r.gcMs;
      const v = typeof g === 'object' && g !== null && key in g ? Number((g as Record<string, unknown>)[key]) : NaN;
      return sum + v;
    }, 0) / results.length;
  const growth = Math.max(...results.map((r) => Number(r.tensorsAfter) - Number(r.tensorsBefore)));
  const report: StepReport = {
    backend: String(results[0].backend),
    model: flags.model + (hidden === undefined ? '' : ` ${hidden.join('-')}`),
    params: Number(results[0].params),
    nodes,
    batch,
    threadsPerRank: threads.value,
    dtrainMs: all('dtrainMs'),
    commMs: all('commMs'),
    bareMs: all('bareMs'),
    bareReadWriteMs: all('bareReadWriteMs'),
    memcpyMs: all('memcpyMs'),
    ratio,
    roundTripOverMemcpy: (all('dtrainMs') - all('bareMs')) / all('memcpyMs'),
    gcMsPerStep: { dtrain: gcOf('dtrain'), bare: gcOf('bare'), bareReadWrite: gcOf('bareReadWrite') },
    dtrainPartsMs: meanParts(results),
    tensorGrowth: growth,
  };
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  process.stdout.write(
    [
      `step of ${report.model} (${report.params} params), batch ${batch}, ${nodes} ranks on ${report.backend}, ${report.threadsPerRank} TF thread(s) each; median of ${rounds} rounds x ${steps} steps`,
      `  dtrain step, without communication   ${ms(report.dtrainMs)}   (communication ${ms(report.commMs)})`,
      `  bare tfjs step                        ${ms(report.bareMs)}`,
      `  bare + read and write of all weights  ${ms(report.bareReadWriteMs)}`,
      `  two memcpys of the weights            ${ms(report.memcpyMs)}`,
      `  ratio dtrain / bare+read+write        ${report.ratio.toFixed(3)}   (goal <= 1.15)`,
      `  weight round trip / two memcpys       ${report.roundTripOverMemcpy.toFixed(1)}x`,
      `  dtrain step's parts                   ${Object.entries(report.dtrainPartsMs).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}`,
      `  GC pauses per step                    dtrain ${ms(report.gcMsPerStep.dtrain)}, bare ${ms(report.gcMsPerStep.bare)}, bare+read+write ${ms(report.gcMsPerStep.bareReadWrite)}`,
      `  tensors leaked per rank               ${report.tensorGrowth}`,
    ].join('\n') + '\n',
  );
}

export function registerBenchStep(bench: Command): void {
  bench
    .command('step')
    .description("a dtrain step's cost apart from communication, against bare tfjs loops in the same processes")
    .addOption(backendOption())
    .option('--model <mlp|cnn>', 'model to train', 'mlp')
    .option('--hidden <widths>', 'MLP hidden layer widths, e.g. 2048,1024 (default 128)')
    .option('--batch <n>', 'samples per step', '4')
    .addOption(nodesOption().makeOptionMandatory())
    .option('--steps <k>', 'steps per loop and round', '10')
    .option('--rounds <r>', 'rounds of alternating loops (fewer get noisy under load)', '15')
    // A step of a large model on a loaded machine: a longer wait than a training job's.
    .addOption(timeoutOption(120))
    .option('--json', 'print one JSON object')
    .action(stepAction);
}
