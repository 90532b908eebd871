import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { parseConfigs } from '../compare/configs.js';
import { runComparison, type ComparePlan } from '../compare/run.js';
import { comparisonMarkdown } from '../compare/markdown.js';
import { rebuildComparison } from '../compare/rebuild.js';
import { RunDataError, UsageError } from '../errors.js';
import { nodeIO } from '../node-io.js';
import { intOption } from '../options.js';
import { resolveScript } from '../resolve.js';
import { passThroughFlags, type PassThroughRaw } from '../compare/launch-flags.js';
import {
  backendOption, clusterOption, envOption, exampleOption, gpusOption, hostfileOption, hostsOption, ifaceOption, nodesOption, nprocPerNodeOption,
  rateOption, seedOption, timeoutOption,
} from '../option-defs.js';

const EXAMPLES = `
Examples:
  dtrain compare --nodes 4 --example mnist --configs psgd,dsgd:onepeer-exp,pga:onepeer-exp:8 --epochs 1
  dtrain compare --nodes 8 --example mnist --configs psgd,dsgd:ring,dsgd:od-equidyn --cluster netns --rate 1gbit

Each entry of --configs is algorithm[:topology[:H]][+overlap][+CODEC] (H: pga's global-average period;
+overlap: run it with dtrain launch --overlap; +int8, +fp16, +bf16, +topk:F: with --compress CODEC).
Re-read finished runs and rewrite the outputs: dtrain compare --rebuild --out DIR.
Writes OUT/<config>/ (each run), OUT/comparison.json, OUT/comparison.md and OUT/report.html.
Exit codes: 0 ok, 1 a run failed (the others are still compared), 2 bad usage.`;

export interface CompareOptionsRaw extends PassThroughRaw {
  nodes?: string;
  example?: string;
  configs?: string;
  steps?: string;
  epochs?: string;
  targetAccuracy?: string;
  targetTolerance?: string;
  cluster: string;
  rate?: string;
  seed: string;
  backend?: string;
  port?: string;
  out?: string;
  rebuild?: boolean;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** --target-accuracy: 0.9 or 90%, in (0, 1]. */
export function targetOption(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const t = Number(raw.replace(/%$/, '')) / (raw.endsWith('%') ? 100 : 1);
  if (!(t > 0 && t <= 1)) throw new UsageError(`--target-accuracy ${JSON.stringify(raw)} is not in (0, 1]; write e.g. --target-accuracy 0.9 or 90%`);
  return t;
}

/** --target-accuracy and --target-tolerance (points, e.g. 0.5) as fractions. */
export function targetOptions(raw: Pick<CompareOptionsRaw, 'targetAccuracy' | 'targetTolerance'>): { targetAccuracy?: number; targetTolerance?: number } {
  const targetAccuracy = targetOption(raw.targetAccuracy);
  if (raw.targetTolerance === undefined) return targetAccuracy === undefined ? {} : { targetAccuracy };
  if (targetAccuracy !== undefined) throw new UsageError('--target-tolerance lowers psgd\'s final accuracy as the target; with --target-accuracy there is nothing to lower; give one of them');
  const points = Number(raw.targetTolerance);
  if (!/^\d+(\.\d+)?$/.test(raw.targetTolerance.trim()) || !(points < 100)) {
    throw new UsageError(`--target-tolerance ${JSON.stringify(raw.targetTolerance)} is not a number of accuracy points in [0, 100); write e.g. --target-tolerance 0.5`);
  }
  return { targetTolerance: points / 100 };
}

/** Raw options -> the plan, with every check done before any run starts. */
export function resolveCompare(script: string | undefined, args: string[], raw: CompareOptionsRaw): ComparePlan {
  const io = nodeIO();
  // torchrun's --nproc-per-node names the count on one machine; with hosts, --nodes says the total.
  const count = raw.nodes ?? (raw.hosts === undefined && raw.hostfile === undefined ? raw.nprocPerNode : undefined);
  if (count === undefined) throw new UsageError('--nodes is required; write e.g. --nodes 4');
  if (raw.configs === undefined) throw new UsageError('--configs is required; write e.g. --configs psgd,dsgd:ring');
  const nodes = intOption(raw.nodes !== undefined ? '--nodes' : '--nproc-per-node', count, 1);
  const seed = intOption('--seed', raw.seed, 0);
  const configs = parseConfigs(raw.configs, nodes, seed);
  if (raw.steps !== undefined && raw.epochs !== undefined) throw new UsageError('give --steps or --epochs, not both');
  const env: Record<string, string> = {
    ...(raw.steps !== undefined ? { STEPS: String(intOption('--steps', raw.steps, 1)) } : {}),
    ...(raw.epochs !== undefined ? { EPOCHS: String(intOption('--epochs', raw.epochs, 1)) } : {}),
  };
  const { targetAccuracy, targetTolerance } = targetOptions(raw);
  if (raw.cluster !== 'local' && raw.cluster !== 'netns') throw new UsageError(`--cluster ${JSON.stringify(raw.cluster)} is not local or netns`);
  if (raw.rate !== undefined && raw.cluster === 'local') throw new UsageError('--rate shapes the emulated links of --cluster netns; add --cluster netns or drop --rate');
  const launchFlags = [
    ...(raw.cluster === 'netns' ? ['--cluster', 'netns', ...(raw.rate !== undefined ? ['--rate', raw.rate] : [])] : []),
    ...(raw.backend !== undefined ? ['--backend', raw.backend] : []),
    ...(raw.port !== undefined ? ['--port', String(intOption('--port', raw.port, 1, 65535))] : []),
    ...passThroughFlags(raw),
  ];
  const out = raw.out !== undefined ? resolvePath(io.cwd, raw.out) : resolvePath(io.cwd, 'runs', `${timestamp(io.now)}-compare`);
  return { nodes, script: resolveScript(script, raw.example, io), scriptArgs: args, env, seed, launchFlags, configs, targetAccuracy, targetTolerance, out, freePort: raw.port === undefined && raw.cluster === 'local' };
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run several algorithm/topology configurations on the same job and compare wall-clock, accuracy and communication')
    .argument('[script]', 'worker script (or use --example NAME)')
    .argument('[args...]', 'arguments for the script (write them after --)')
    .addOption(nodesOption('of each run'))
    .addOption(nprocPerNodeOption())
    .addOption(exampleOption())
    .option('--configs <list>', 'configurations, e.g. psgd,dsgd:onepeer-exp,pga:onepeer-exp:8')
    .option('--steps <n>', 'training steps per run (the workers get STEPS=n)')
    .option('--epochs <n>', 'epochs per run (the workers get EPOCHS=n)')
    .option('--target-accuracy <a>', 'accuracy for time-to-target, e.g. 0.9 (default: psgd\'s final accuracy)')
    .option('--target-tolerance <points>', 'aim at psgd\'s final accuracy less this many points, e.g. 0.5 (default 0)')
    .addOption(gpusOption())
    .addOption(hostsOption())
    .addOption(hostfileOption())
    .addOption(clusterOption())
    .addOption(rateOption())
    .addOption(seedOption())
    .addOption(backendOption())
    .option('--port <n>', 'rendezvous port (default: a free port per run on a local cluster)')
    .addOption(timeoutOption())
    .addOption(ifaceOption())
    .addOption(envOption())
    .option('--out <dir>', 'output directory (default: runs/<timestamp>-compare)')
    .option('--rebuild', 'run nothing: read back the runs recorded in --out and write comparison.json, .md and report.html again')
    .addHelpText('after', EXAMPLES)
    .action(async (script: string | undefined, args: string[], raw: CompareOptionsRaw) => {
      if (raw.rebuild === true) {
        if (raw.out === undefined) throw new UsageError('--rebuild needs --out DIR, the directory of an earlier dtrain compare');
        let result;
        try {
          result = await rebuildComparison(resolvePath(raw.out), targetOptions(raw));
        } catch (err) {
          if (err instanceof RunDataError) throw new UsageError(`--rebuild: ${err.message}`, { cause: err });
          throw err;
        }
        process.stdout.write(`${comparisonMarkdown(result.comparison, `Comparison, ${result.comparison.configs[0]?.nodes ?? 0} nodes`)}\n`);
        process.stderr.write(`dtrain: wrote ${result.files.json}, ${result.files.markdown}, ${result.files.html}\n`);
        return;
      }
      const plan = resolveCompare(script, args, raw);
      const result = await runComparison(plan);
      process.stdout.write(`${comparisonMarkdown(result.comparison, `Comparison, ${plan.nodes} nodes`)}\n`);
      process.stderr.write(`dtrain: wrote ${result.files.json}, ${result.files.markdown}, ${result.files.html}\n`);
      for (const f of result.failed) process.stderr.write(`dtrain: ${f.label} failed (exit ${f.exitCode}); see ${f.log}\n`);
      process.exitCode = result.failed.length > 0 ? 1 : 0;
    });
}
