/** Small in-place vector helpers for the algorithms (plain loops, no allocation). */
import { CheckpointError } from '../errors.js';
import type { AlgorithmState } from './types.js';

export function scale(out: Float32Array, a: Float32Array, s: number): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * s;
}

/** A state vector of the expected length, or a CheckpointError naming what is wrong. */
export function stateVector(state: AlgorithmState, key: string, length: number, algorithm: string): Float32Array {
  const v = state.vectors[key];
  if (v === undefined || v.length !== length) {
    throw new CheckpointError(
      'E_CHECKPOINT_MISMATCH',
      `${algorithm} state '${key}' has ${v === undefined ? 'no vector' : `${v.length} floats`}, expected ${length}; the checkpoint is from another algorithm or model`,
    );
  }
  return v;
}

/** Two parts' states as one (their keys are distinct). */
export function mergeStates(a: AlgorithmState, b: AlgorithmState | undefined): AlgorithmState {
  return b === undefined ? a : { vectors: { ...a.vectors, ...b.vectors }, scalars: { ...a.scalars, ...b.scalars } };
}

export function stateScalar(state: AlgorithmState, key: string, algorithm: string): number {
  const v = state.scalars[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new CheckpointError('E_CHECKPOINT_MISMATCH', `${algorithm} state has no scalar '${key}'; the checkpoint is from another algorithm`);
  }
  return v;
}
