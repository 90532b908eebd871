/**
 * The flags of compressed communication and of DiLoCo's outer optimizer,
 * shared by launch, compose, k8s and worker: declared once, parsed into the
 * run options that travel as DTRAIN_* variables, refused with the flag
 * named (exit 2) before anything starts.
 */
import type { Command } from 'commander';
import { compressProblem, type RunOptions } from '@dtrain/runtime/contract';
import { UsageError } from './errors.js';

/** What commander hands over for these flags. */
export interface AlgoFlagsRaw {
  compress?: string;
  consensusStep?: string;
  outerOptimizer?: string;
  outerLr?: string;
  outerMomentum?: string;
}

export type AlgoRunOptions = Pick<RunOptions, 'compress' | 'consensusStep' | 'outerOptimizer' | 'outerLr' | 'outerMomentum'>;

export function addAlgoOptions(cmd: Command): Command {
  return cmd
    .option('--compress <codec>', 'compress what is sent: fp32, fp16, bf16, int8, topk:F (gossip: CHOCO-SGD; psgd: error feedback; docs/compression.md)')
    .option('--consensus-step <gamma>', 'with --compress on gossip: CHOCO\'s consensus step size in (0, 1] (default 1; topk:F: min(1, 4F))')
    .option('--outer-optimizer <name>', 'local-sgd, pga, diloco-gossip: sgd or nesterov on the pseudo-gradient of each round (DiLoCo)')
    .option('--outer-lr <lr>', 'outer learning rate (default: 0.7 with nesterov, 1 with sgd)')
    .option('--outer-momentum <mu>', 'outer momentum in [0, 1) (default: 0.9 with nesterov, 0 with sgd)');
}

function decimal(flag: string, raw: string, ok: (v: number) => boolean, range: string, example: string): number {
  const t = raw.trim();
  const v = Number(t);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) || !Number.isFinite(v) || !ok(v)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a number ${range}; write e.g. ${flag} ${example}`);
  }
  return v;
}

/** The run options these flags ask for; a bad value is a UsageError naming the flag. */
export function parseAlgoFlags(raw: AlgoFlagsRaw): AlgoRunOptions {
  const out: AlgoRunOptions = {};
  if (raw.compress !== undefined) {
    const problem = compressProblem(raw.compress);
    if (problem !== undefined) throw new UsageError(`--compress: ${problem}`);
    out.compress = raw.compress;
  }
  if (raw.consensusStep !== undefined) {
    out.consensusStep = decimal('--consensus-step', raw.consensusStep, (v) => v > 0 && v <= 1, 'in (0, 1]', '0.5');
  }
  if (raw.outerOptimizer !== undefined) {
    if (raw.outerOptimizer !== 'sgd' && raw.outerOptimizer !== 'nesterov') {
      throw new UsageError(`--outer-optimizer ${JSON.stringify(raw.outerOptimizer)} is not an outer optimizer; use sgd or nesterov`);
    }
    out.outerOptimizer = raw.outerOptimizer;
  }
  if (raw.outerLr !== undefined) out.outerLr = decimal('--outer-lr', raw.outerLr, (v) => v > 0, 'above 0', '0.7');
  if (raw.outerMomentum !== undefined) out.outerMomentum = decimal('--outer-momentum', raw.outerMomentum, (v) => v >= 0 && v < 1, 'in [0, 1)', '0.9');
  return out;
}

/** The environment variables of these options (for dtrain worker). */
export const ALGO_FLAG_VARS: Readonly<Record<keyof AlgoRunOptions, string>> = {
  compress: 'DTRAIN_COMPRESS',
  consensusStep: 'DTRAIN_CONSENSUS_STEP',
  outerOptimizer: 'DTRAIN_OUTER_OPTIMIZER',
  outerLr: 'DTRAIN_OUTER_LR',
  outerMomentum: 'DTRAIN_OUTER_MOMENTUM',
};
