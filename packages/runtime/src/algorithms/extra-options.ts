/**
 * The options of compressed communication (compress, consensusStep) and of
 * the outer optimizer (outerOptimizer, outerLr, outerMomentum): their
 * checks and defaults, for resolveAlgorithmOptions (registry.ts).
 */
import { AlgorithmError } from '../errors.js';
import { compressProblem, defaultConsensusStep, parseCompress } from '../transport/compress-spec.js';
import { DILOCO_OUTER_LR, DILOCO_OUTER_MOMENTUM } from './constants.js';
import type { AlgorithmOptions, CompressOptions, OuterOptions } from './types.js';

const refuse = (message: string): never => {
  throw new AlgorithmError('E_ALGORITHM_OPTION', message);
};

function inRange(name: string, value: unknown, ok: (v: number) => boolean, range: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) refuse(`${name} must be ${range}; got ${JSON.stringify(value)}`);
  return value as number;
}

/** The compression asked for, or undefined for none (fp32); refuses a bad name or a gamma without compression. */
export function resolveCompress(algorithm: string, options: AlgorithmOptions, gossips: boolean): CompressOptions | undefined {
  const raw = options.compress;
  if (raw !== undefined && typeof raw !== 'string') refuse(`compress must be a string such as 'int8'; got ${JSON.stringify(raw)}`);
  const problem = raw === undefined ? undefined : compressProblem(raw);
  if (problem !== undefined) refuse(`${algorithm}: ${problem}`);
  const codec = raw === undefined ? undefined : parseCompress(raw);
  if (options.consensusStep !== undefined) {
    if (codec === undefined || codec.dtype === 'f32') {
      refuse(`consensusStep (got ${options.consensusStep}) is CHOCO's step size for compressed gossip; set compress (fp16, bf16, int8, topk:F) too, or leave it out`);
    }
    if (!gossips) refuse(`${algorithm} does not gossip, so it has no consensus step; leave consensusStep out (its allreduce is compressed with error feedback)`);
  }
  if (codec === undefined || codec.dtype === 'f32') return undefined;
  const gamma = options.consensusStep === undefined ? defaultConsensusStep(codec) : inRange('consensusStep', options.consensusStep, (v) => v > 0 && v <= 1, 'in (0, 1]');
  return { codec, name: raw as string, gamma };
}

/** The outer optimizer asked for, or undefined; refuses outerLr / outerMomentum without one. */
export function resolveOuter(options: AlgorithmOptions): OuterOptions | undefined {
  const name = options.outerOptimizer;
  if (name === undefined) {
    for (const key of ['outerLr', 'outerMomentum'] as const) {
      if (options[key] !== undefined) refuse(`${key} (got ${String(options[key])}) needs an outer optimizer: set outerOptimizer (--outer-optimizer sgd or nesterov), or leave it out`);
    }
    return undefined;
  }
  if (name !== 'sgd' && name !== 'nesterov') refuse(`outerOptimizer must be 'sgd' or 'nesterov'; got ${JSON.stringify(name)}`);
  const optimizer = name as 'sgd' | 'nesterov';
  const lr = options.outerLr === undefined ? (optimizer === 'nesterov' ? DILOCO_OUTER_LR : 1) : inRange('outerLr', options.outerLr, (v) => v > 0, 'a positive number');
  const momentum =
    options.outerMomentum === undefined
      ? optimizer === 'nesterov'
        ? DILOCO_OUTER_MOMENTUM
        : 0
      : inRange('outerMomentum', options.outerMomentum, (v) => v >= 0 && v < 1, 'in [0, 1)');
  return { optimizer, lr, momentum };
}
