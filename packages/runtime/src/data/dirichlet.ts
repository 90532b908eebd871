/**
 * Gamma and Dirichlet sampling over a seeded Rng.
 * Gamma(a, 1): Marsaglia and Tsang (2000), "A simple method for generating
 * gamma variables"; for a < 1 the boost Gamma(a) = Gamma(a + 1) * U^(1/a),
 * kept in log space so tiny shapes do not underflow to 0.
 */
import type { Rng } from '@dtrain/topology';

/** log of a Gamma(shape, 1) draw. */
export function logGamma(rng: Rng, shape: number): number {
  if (shape < 1) {
    const u = 1 - rng.next(); // (0, 1]
    return logGamma(rng, shape + 1) + Math.log(u) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng.next();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      return Math.log(d * v);
    }
  }
}

/** A Gamma(shape, 1) draw. */
export function sampleGamma(rng: Rng, shape: number): number {
  return Math.exp(logGamma(rng, shape));
}

/** A draw from the symmetric Dirichlet(alpha, ..., alpha) on k categories. */
export function sampleDirichlet(rng: Rng, alpha: number, k: number): number[] {
  const logs = Array.from({ length: k }, () => logGamma(rng, alpha));
  const max = Math.max(...logs);
  const w = logs.map((l) => Math.exp(l - max));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}
