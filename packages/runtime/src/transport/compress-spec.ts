/**
 * The names users give compression (--compress, DTRAIN_COMPRESS,
 * AlgorithmOptions.compress) and the wire codec each one means (codec.ts).
 */
import type { Codec } from './codec.js';

/** What `--compress` accepts; `topk:F` keeps the fraction F (0 < F <= 0.5) of largest values. */
export const COMPRESS_CHOICES = ['fp32', 'fp16', 'bf16', 'int8', 'topk:F'] as const;

const NAMED: Readonly<Record<string, Codec>> = {
  fp32: { dtype: 'f32' },
  fp16: { dtype: 'f16' },
  bf16: { dtype: 'bf16' },
  int8: { dtype: 'i8' },
};

/** Why `raw` is not a compression name (with the fix), or undefined when it is one. */
export function compressProblem(raw: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(NAMED, raw)) return undefined;
  const m = /^topk:(.+)$/.exec(raw);
  if (m === null) return `unknown compression ${JSON.stringify(raw)}; use one of ${COMPRESS_CHOICES.join(', ')}`;
  const f = Number(m[1]);
  if (!Number.isFinite(f) || f <= 0 || f > 0.5) {
    return `topk needs a fraction 0 < F <= 0.5 (above a half it sends more than fp32); got ${JSON.stringify(m[1])}, e.g. topk:0.01`;
  }
  return undefined;
}

/** The codec of a valid name (check it with compressProblem first). */
export function parseCompress(raw: string): Codec {
  const named = NAMED[raw];
  if (named !== undefined) return named;
  return { dtype: 'topk', fraction: Number(raw.slice('topk:'.length)) };
}

/** CHOCO's default consensus step: 1 for the dense codecs, min(1, 4F) for topk:F. */
export function defaultConsensusStep(codec: Codec): number {
  return codec.dtype === 'topk' ? Math.min(1, 4 * (codec.fraction ?? 0)) : 1;
}
