/**
 * Deterministic randomness: every draw is a pure function of (seed, stream,
 * iteration), so all processes of a job agree without talking.
 */

/** A uniform generator on [0, 1) with helpers; splitmix32-style. */
export interface Rng {
  next(): number;
  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[];
}

function mix32(h: number): number {
  let z = h >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hash a list of non-negative integers (seed, stream id, iteration...) to 32 bits. */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    const lo = v >>> 0;
    const hi = Math.floor(v / 0x100000000) >>> 0;
    h = mix32(h ^ mix32(lo + 0x7f4a7c15));
    h = mix32(h ^ mix32(hi + 0x6a09e667));
  }
  return h;
}

/** A generator whose whole stream is fixed by the given integers. */
export function rngFrom(...values: number[]): Rng {
  let state = hashInts(...values);
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state) / 0x100000000;
  };
  return {
    next,
    int(lo, hi) {
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    normal() {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = items[i] as (typeof items)[number];
        items[i] = items[j] as (typeof items)[number];
        items[j] = t;
      }
      return items;
    },
  };
}
