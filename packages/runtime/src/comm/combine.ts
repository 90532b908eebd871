/**
 * The weighted combine of a neighbour exchange, in place:
 *   x <- self * x + sum_t weights[t] * parts[t]
 * One pass over memory, accumulating each element in float64.
 */
export function combineInPlace(
  x: Float32Array,
  self: number,
  parts: readonly Float32Array[],
  weights: readonly number[],
): void {
  const n = x.length;
  switch (parts.length) {
    case 0:
      if (self !== 1) for (let i = 0; i < n; i++) x[i] = self * x[i];
      return;
    case 1: {
      const a = parts[0];
      const wa = weights[0];
      for (let i = 0; i < n; i++) x[i] = self * x[i] + wa * a[i];
      return;
    }
    case 2: {
      const [a, b] = parts;
      const wa = weights[0];
      const wb = weights[1];
      for (let i = 0; i < n; i++) x[i] = self * x[i] + wa * a[i] + wb * b[i];
      return;
    }
    default: {
      const m = parts.length;
      for (let i = 0; i < n; i++) {
        let v = self * x[i];
        for (let t = 0; t < m; t++) v += weights[t] * parts[t][i];
        x[i] = v;
      }
    }
  }
}

/** x += y, elementwise (the reduce step of allreduce). */
export function addInPlace(x: Float32Array, y: Float32Array): void {
  const n = x.length;
  for (let i = 0; i < n; i++) x[i] += y[i];
}

export function scaleInPlace(x: Float32Array, factor: number): void {
  const n = x.length;
  for (let i = 0; i < n; i++) x[i] *= factor;
}

/** A float64 carried bit-exactly in a float32 frame (two elements). */
export function encodeF64(values: ArrayLike<number>): Float32Array {
  return new Float32Array(Float64Array.from(values).buffer);
}

export function decodeF64(body: Float32Array): Float64Array {
  const copy = body.slice();
  return new Float64Array(copy.buffer, 0, Math.floor(copy.length / 2));
}
