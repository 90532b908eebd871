/**
 * The outer optimizer of local-sgd, pga and diloco-gossip: DiLoCo (Douillard
 * et al., 2023, arXiv 2311.08105). A round is H local steps from the anchor
 * x0 (the parameters the round started from); at its end the ranks average
 * (globally, or with their neighbours in diloco-gossip) and, instead of
 * taking the average a as the new parameters, step along the pseudo-gradient
 * d = x0 - a:
 *
 *   m <- mu m + d
 *   sgd:       x <- x0 - lr m
 *   nesterov:  x <- x0 - lr (d + mu m)
 *
 * DiLoCo uses Nesterov with lr 0.7 and mu 0.9 over an inner AdamW. The
 * update is computed as a + (d - lr m) (resp. a + (d - lr (d + mu m))), the
 * same value since a + d = x0, so that lr = 1 with mu = 0 gives back a
 * bit for bit: local SGD with a plain average.
 */
import { stateVector } from './vec.js';
import type { AlgorithmState, LocalModel, OuterOptions } from './types.js';

export interface OuterStep {
  /** At the start of a step: takes the model as the anchor when none is held yet. */
  begin(model: LocalModel): void;
  /** `avg` holds the round's average; it is replaced by the outer step's result, the next anchor. */
  finish(avg: Float32Array): void;
  state(): AlgorithmState;
  restore(state: AlgorithmState): void;
}

export function createOuterStep(size: number, options: OuterOptions, algorithm: string): OuterStep {
  const anchor = new Float32Array(size);
  const m = new Float32Array(size);
  let anchored = false;
  const { lr, momentum: mu } = options;
  const nesterov = options.optimizer === 'nesterov';
  return {
    begin(model: LocalModel): void {
      if (anchored) return;
      model.read(anchor);
      anchored = true;
    },
    finish(avg: Float32Array): void {
      for (let i = 0; i < size; i++) {
        const a = avg[i];
        const d = Math.fround(anchor[i] - a);
        const mi = Math.fround(mu * m[i] + d);
        m[i] = mi;
        const step = nesterov ? Math.fround(d - lr * Math.fround(d + mu * mi)) : Math.fround(d - lr * mi);
        avg[i] = a + step;
      }
      anchor.set(avg);
    },
    state: () => ({ vectors: { outerAnchor: new Float32Array(anchor), outerMomentum: new Float32Array(m) }, scalars: { outerAnchored: anchored ? 1 : 0 } }),
    restore(state: AlgorithmState): void {
      anchor.set(stateVector(state, 'outerAnchor', size, algorithm));
      m.set(stateVector(state, 'outerMomentum', size, algorithm));
      anchored = state.scalars.outerAnchored === 1;
    },
  };
}
