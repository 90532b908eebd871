/**
 * Runs a comparison: each configuration in turn, on the same data, seed and
 * hardware, by starting `dtrain launch` (this CLI, as a child process) into
 * OUT/<slug>/; then reads every run back and writes OUT/comparison.json,
 * OUT/comparison.md and OUT/report.html. A configuration that fails is
 * recorded and the others still run.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonFile, FailedRun } from '@dtrain/runtime/contract';
import { buildComparison, type Comparison } from './build.js';
import type { RunConfig } from './configs.js';
import { runCurves } from './curves.js';
import { comparisonMarkdown } from './markdown.js';
import { readRunDir, type RunData } from './run-data.js';
import { UsageError } from '../errors.js';
import { findFreePort, runLogged } from '../spawn.js';

/** What every configuration shares. */
export interface ComparePlan {
  nodes: number;
  /** Absolute path of the worker script. */
  script: string;
  /** Arguments for the script (after --). */
  scriptArgs: string[];
  /** Variables added to every run's environment (STEPS, EPOCHS: the examples read them). */
  env: Record<string, string>;
  seed: number;
  /** Extra `dtrain launch` flags shared by every run (cluster, rate, backend, port...). */
  launchFlags: string[];
  configs: RunConfig[];
  targetAccuracy?: number;
  /** Aim at psgd's final accuracy less this (fraction). */
  targetTolerance?: number;
  out: string;
  /** Pick a free rendezvous port on this machine for each run (local runs without --port). */
  freePort: boolean;
}

export type { FailedRun } from '@dtrain/runtime/contract';

export interface CompareResult {
  comparison: Comparison;
  failed: FailedRun[];
  files: { json: string; markdown: string; html: string };
}

/** Starts `dtrain launch ARGS` with `env` added, its output going to `logFile`; resolves to its exit code. */
export type Launcher = (args: string[], logFile: string, env: Record<string, string>) => Promise<number>;

/** The `dtrain launch` arguments of one configuration. */
export function launchArgs(plan: ComparePlan, config: RunConfig, port?: number): string[] {
  return [
    'launch',
    '--nodes', String(plan.nodes),
    '--algorithm', config.algorithm,
    '--topology', config.topology,
    ...(config.globalAvgPeriod !== null ? ['--global-avg-period', String(config.globalAvgPeriod)] : []),
    ...(config.overlap ? ['--overlap'] : []),
    ...(config.compress !== null ? ['--compress', config.compress] : []),
    '--seed', String(plan.seed),
    '--out', join(plan.out, config.slug),
    ...plan.launchFlags,
    ...(port !== undefined ? ['--port', String(port)] : []),
    plan.script,
    ...(plan.scriptArgs.length > 0 ? ['--', ...plan.scriptArgs] : []),
  ];
}

/** The dtrain executable next to this module (bin/dtrain.js). */
export const DTRAIN_BIN = fileURLToPath(new URL('../../bin/dtrain.js', import.meta.url));

/** The real Launcher: this node binary running bin/dtrain.js (spawn.ts: own process group, signals passed on). */
export const spawnLauncher: Launcher = (args, logFile, env) => runLogged(process.execPath, [DTRAIN_BIN, ...args], env, logFile);

/** Refuse to mix with an earlier run: the rank logs are appended to. */
export function checkFreshDirs(plan: ComparePlan): void {
  for (const c of plan.configs) {
    const dir = join(plan.out, c.slug);
    if (!existsSync(dir)) continue;
    const stale = readdirSync(dir).filter((f) => f === 'summary.json' || /^rank-\d+\.ndjson$/.test(f));
    if (stale.length > 0) {
      throw new UsageError(`${dir} already holds a run (${stale.slice(0, 3).join(', ')}); choose a fresh --out or delete that directory`);
    }
  }
}

export async function runComparison(
  plan: ComparePlan,
  launch: Launcher = spawnLauncher,
  progress: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<CompareResult> {
  checkFreshDirs(plan);
  mkdirSync(plan.out, { recursive: true });
  const runs: RunData[] = [];
  const failed: FailedRun[] = [];
  for (const [i, c] of plan.configs.entries()) {
    const dir = join(plan.out, c.slug);
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'launch.log');
    progress(`compare: [${i + 1}/${plan.configs.length}] ${c.label} -> ${dir}`);
    const port = plan.freePort ? await findFreePort() : undefined;
    const code = await launch(launchArgs(plan, c, port), log, plan.env);
    if (code === 130 || code === 143) throw new UsageError(`interrupted during ${c.label}; finished runs are in ${plan.out}`);
    if (code !== 0) {
      failed.push({ label: c.label, exitCode: code, log });
      progress(`compare: ${c.label} failed (exit ${code}); see ${log}`);
      continue;
    }
    runs.push(readRunDir(dir, c.label));
  }
  return writeComparison(plan, runs, failed);
}

/** Build the comparison of finished runs and write its three files. */
/** What writeComparison needs without a plan: `setup` is recorded as given (a rebuild keeps the original's). */
export interface ComparisonTarget {
  out: string;
  nodes: number;
  targetAccuracy?: number;
  targetTolerance?: number;
  setup?: Record<string, unknown>;
}

export async function writeComparison(plan: ComparisonTarget | ComparePlan, runs: RunData[], failed: FailedRun[] = []): Promise<CompareResult> {
  const comparison = buildComparison(runs, {
    ...(plan.targetAccuracy !== undefined ? { targetAccuracy: plan.targetAccuracy } : {}),
    ...(plan.targetTolerance !== undefined ? { targetTolerance: plan.targetTolerance } : {}),
  });
  const curves = runs.map(runCurves);
  const files = { json: join(plan.out, 'comparison.json'), markdown: join(plan.out, 'comparison.md'), html: join(plan.out, 'report.html') };
  const setup = 'script' in plan ? { nodes: plan.nodes, script: plan.script, scriptArgs: plan.scriptArgs, env: plan.env, seed: plan.seed, launchFlags: plan.launchFlags } : plan.setup ?? { nodes: plan.nodes };
  const record: ComparisonFile = { ...comparison, setup, runs: runs.map((r) => ({ label: r.label, dir: r.dir })), failed };
  writeFileSync(files.json, `${JSON.stringify(record, null, 2)}\n`);
  const title = `Wall-clock comparison, ${plan.nodes} nodes`;
  writeFileSync(files.markdown, comparisonMarkdown(comparison, title));
  // Loaded here, not at start-up: the charting library is the slowest import of the CLI.
  const { reportHtml } = await import('../report/page.js');
  const html = await reportHtml({
    title,
    comparison,
    steps: curves.flatMap((c) => c.steps),
    accuracy: curves.flatMap((c) => c.accuracy),
    notes: failed.map((f) => `${f.label} failed (exit ${f.exitCode}); log: ${f.log}`),
  });
  writeFileSync(files.html, html);
  return { comparison, failed, files };
}
