/**
 * Local heavy-ball momentum shared by dsgd and pga in both forms
 * (dsgd.ts, overlap.ts): m_i <- beta m_i + g_i, and the user's optimizer
 * steps along m_i. With beta = 0 the direction is g itself (the same
 * buffer, so the step model can apply the gradient tensors directly).
 */
import { stateVector } from './vec.js';
import type { AlgorithmState } from './types.js';

export interface HeavyBall {
  /** The direction of this iteration's local step; updates m when beta > 0. */
  direction(g: Float32Array): Float32Array;
  state(): AlgorithmState;
  restore(state: AlgorithmState): void;
}

export function createHeavyBall(size: number, beta: number, algorithm: string): HeavyBall {
  const m = new Float32Array(beta > 0 ? size : 0);
  return {
    direction(g) {
      if (beta <= 0) return g;
      for (let i = 0; i < m.length; i++) m[i] = beta * m[i] + g[i];
      return m;
    },
    state() {
      const vectors: Record<string, Float32Array> = {};
      if (beta > 0) vectors.momentum = m.slice();
      return { vectors, scalars: {} };
    },
    restore(state) {
      if (beta > 0) m.set(stateVector(state, 'momentum', m.length, algorithm));
    },
  };
}
