/**
 * The compressed wire types (transport/codec.ts) and the compressed
 * communication on top of them, over the in-memory transport (the same
 * over real processes: compress-process.test.ts):
 * - each codec's error bound, and re-encoding a decoded vector keeps its bits;
 * - CHOCO-Gossip (comm/choco.ts) keeps the average exactly and reaches
 *   consensus: fp16 to 1e-3 of the average, int8 and topk as well;
 * - the error-feedback allreduce (comm/ef-allreduce.ts) gives identical bits
 *   on every rank, and over K calls its summed error stays below the bound
 *   of docs/compression.md while without feedback it grows with K;
 * - the bytes on the wire shrink by the codec's factor (transport counters).
 */
import { describe, expect, it } from 'vitest';
import { createSchedule } from '@dtrain/topology';
import { ChocoState } from '../src/comm/choco.js';
import { Communicator } from '../src/comm/communicator.js';
import { createMemoryNetwork } from '../src/transport/memory.js';
import { checkPacked, decodeInto, encode, I8_BLOCK, packedBytes, type Codec } from '../src/transport/codec.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomVector(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

const roundTrip = (v: Float32Array, codec: Codec): Float32Array => decodeInto(encode(v, codec), new Float32Array(v.length));

describe('wire codecs', () => {
  const v = randomVector(1000, 1, 3);
  it('f16 and bf16 are within half an ulp of their precision; i8 within m/127 of each block; topk keeps the largest', () => {
    const h = roundTrip(v, { dtype: 'f16' });
    const b = roundTrip(v, { dtype: 'bf16' });
    const q = roundTrip(v, { dtype: 'i8' });
    for (let i = 0; i < v.length; i++) {
      expect(Math.abs(h[i] - v[i])).toBeLessThanOrEqual(Math.abs(v[i]) * 2 ** -11 + 2 ** -25);
      expect(Math.abs(b[i] - v[i])).toBeLessThanOrEqual(Math.abs(v[i]) * 2 ** -8);
      const block = Math.floor(i / I8_BLOCK);
      const m = Math.max(...Array.from(v.subarray(block * I8_BLOCK, (block + 1) * I8_BLOCK), Math.abs));
      expect(Math.abs(q[i] - v[i])).toBeLessThan(m / 127);
    }
    const t = roundTrip(v, { dtype: 'topk', fraction: 0.1 });
    const kept = Array.from(t).filter((x) => x !== 0).length;
    expect(kept).toBe(100);
    const smallestKept = Math.min(...Array.from(t).filter((x) => x !== 0).map(Math.abs));
    const largestDropped = Math.max(...Array.from(v).filter((_, i) => t[i] === 0).map(Math.abs));
    expect(smallestKept).toBeGreaterThanOrEqual(largestDropped);
  });

  it('f16: every half value encodes back to itself, and a value halfway between two halves rounds to the even one', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = decodeInto({ dtype: 'f16', length: 65536, bytes: new Uint8Array(all.buffer) }, new Float32Array(65536));
    const again = new Uint16Array(encode(values, { dtype: 'f16' }).bytes.buffer);
    let differ = 0;
    for (let h = 0; h < 65536; h++) if (!Number.isNaN(values[h]) && again[h] !== h) differ++;
    expect(differ).toBe(0);
    // 1 + 2^-11 lies halfway between 1 (even mantissa) and 1 + 2^-10; 1 + 3 * 2^-11 between 1 + 2^-10 and 1 + 2^-9 (even).
    expect(Array.from(roundTrip(Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -25, 3 * 2 ** -25, 65519, 65520]), { dtype: 'f16' }))).toEqual([1, 1 + 2 ** -9, 0, 2 ** -23, 65504, Infinity]);
  });

  it('topk keeps exactly k values, none smaller than one it drops, also with many ties', () => {
    const r = rng(5);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(r() * 400);
      const w = Float32Array.from({ length: n }, () => Math.round(r() * 6 - 3));
      const f = 0.01 + r() * 0.49;
      const t = roundTrip(w, { dtype: 'topk', fraction: f });
      const packed = encode(w, { dtype: 'topk', fraction: f });
      expect(packed.bytes.byteLength).toBe(8 * Math.min(n, Math.max(1, Math.ceil(f * n))));
      const kept = new Set(Array.from(new Uint32Array(packed.bytes.buffer, 0, packed.bytes.byteLength / 8)));
      let smallestKept = Infinity;
      let largestDropped = 0;
      w.forEach((x, i) => (kept.has(i) ? (smallestKept = Math.min(smallestKept, Math.abs(x))) : (largestDropped = Math.max(largestDropped, Math.abs(x)))));
      expect(smallestKept).toBeGreaterThanOrEqual(largestDropped);
      kept.forEach((i) => expect(t[i]).toBe(w[i]));
    }
  });

  it.each<Codec>([{ dtype: 'f16' }, { dtype: 'bf16' }, { dtype: 'i8' }, { dtype: 'topk', fraction: 0.05 }])('%o: encoding a decoded vector again gives the same bits', (codec) => {
    const once = roundTrip(randomVector(777, 7, 50), codec);
    expect(Array.from(roundTrip(once, codec))).toEqual(Array.from(once));
  });

  it('body sizes: f16 half of f32, i8 a quarter plus a scale per block, topk 8 bytes a kept value; malformed bodies are refused', () => {
    expect(encode(v, { dtype: 'f16' }).bytes.byteLength).toBe(2000);
    expect(encode(v, { dtype: 'i8' }).bytes.byteLength).toBe(1000 + 4 * 4);
    expect(encode(v, { dtype: 'topk', fraction: 0.01 }).bytes.byteLength).toBe(80);
    const i8 = encode(v, { dtype: 'i8' });
    expect(checkPacked('i8', 1000, i8.bytes)).toBe(true);
    const bad = new Uint8Array(i8.bytes);
    new DataView(bad.buffer).setFloat32(0, Number.NaN, true);
    expect(checkPacked('i8', 1000, bad)).toBe(false);
    const topk = encode(v, { dtype: 'topk', fraction: 0.01 });
    const outOfRange = new Uint8Array(topk.bytes);
    new DataView(outOfRange.buffer).setUint32(36, 5000, true);
    expect(checkPacked('topk', 1000, outOfRange)).toBe(false);
    const repeated = new Uint8Array(topk.bytes);
    new DataView(repeated.buffer).setUint32(4, new DataView(repeated.buffer).getUint32(0, true), true);
    expect(checkPacked('topk', 1000, repeated)).toBe(false);
    expect(checkPacked('f16', 1000, new Uint8Array(1998))).toBe(false);
    expect(packedBytes('bf16', 10)).toBe(20);
  });
});

function world(n: number): { comms: Communicator[]; bytesSent: () => number } {
  const transports = createMemoryNetwork(n, { timeoutMs: 10_000 });
  const comms = transports.map((t) => new Communicator(t, { chunkFloats: 300, lanes: 2 }));
  return { comms, bytesSent: () => transports.reduce((s, t) => s + t.stats().bytesSent, 0) };
}

function mean(xs: readonly Float32Array[]): Float64Array {
  const m = new Float64Array(xs[0].length);
  for (const x of xs) for (let i = 0; i < m.length; i++) m[i] += x[i] / xs.length;
  return m;
}

function maxDeviation(xs: readonly Float32Array[], target: Float64Array): number {
  let worst = 0;
  for (const x of xs) for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - target[i]));
  return worst;
}

async function consensus(topology: string, codec: Codec, gamma: number, iterations: number, n = 8, d = 1000) {
  const { comms, bytesSent } = world(n);
  const schedule = createSchedule(topology, n, { seed: 3 });
  const xs = comms.map((_, r) => randomVector(d, 100 + r, 1 + r));
  const avg = mean(xs);
  const states = comms.map(() => new ChocoState());
  const start = maxDeviation(xs, avg);
  for (let k = 0; k < iterations; k++) {
    await Promise.all(comms.map((c, r) => c.compressedExchange(xs[r], schedule, k, { codec, gamma, state: states[r] })));
  }
  return { start, end: maxDeviation(xs, avg), drift: maxDeviation([Float32Array.from(mean(xs))], avg), bytes: bytesSent() };
}

describe('CHOCO-Gossip over the in-memory transport', () => {
  it('fp16 on one-peer exponential: every rank within 1e-3 of the average, and the average kept', async () => {
    const r = await consensus('onepeer-exp', { dtype: 'f16' }, 1, 60);
    expect(r.start).toBeGreaterThan(1);
    expect(r.end).toBeLessThan(1e-3);
    expect(r.drift).toBeLessThan(1e-5);
  });

  it.each<[string, Codec, number, number]>([
    ['exp', { dtype: 'i8' }, 1, 60],
    ['onepeer-exp', { dtype: 'i8' }, 1, 60],
    ['ring', { dtype: 'bf16' }, 1, 300],
    ['onepeer-exp', { dtype: 'topk', fraction: 0.1 }, 0.4, 800],
  ])('%s with %o (gamma %d, %d iterations): consensus to 1e-3 of the average', async (topology, codec, gamma, iterations) => {
    const r = await consensus(topology, codec, gamma, iterations);
    expect(r.end).toBeLessThan(1e-3);
    expect(r.drift).toBeLessThan(1e-4);
  });

  it('bytes on the wire: fp16 half and int8 about a quarter of fp32 (the transport counters)', async () => {
    const f32 = await consensus('onepeer-exp', { dtype: 'f32' }, 1, 6);
    const f16 = await consensus('onepeer-exp', { dtype: 'f16' }, 1, 6);
    const i8 = await consensus('onepeer-exp', { dtype: 'i8' }, 1, 6);
    expect(f16.bytes / f32.bytes).toBeCloseTo(0.5, 6);
    expect(i8.bytes / f32.bytes).toBeCloseTo((1 + 4 / I8_BLOCK) / 4, 2);
    expect(i8.bytes / f32.bytes).toBeLessThan(0.27);
  });
});

describe('compressed allreduce with error feedback', () => {
  const n = 4;
  const d = 1000;
  async function sums(feedback: boolean, calls: number) {
    const { comms } = world(n);
    const inputs = comms.map((_, r) => randomVector(d, 7 + r, 1));
    const exact = mean(inputs);
    const residuals = comms.map(() => (feedback ? new Float32Array(d) : undefined));
    const total = new Float64Array(d);
    let identical = true;
    for (let k = 0; k < calls; k++) {
      const xs = inputs.map((x) => new Float32Array(x));
      await Promise.all(comms.map((c, r) => c.allreduce(xs[r], { op: 'mean', iteration: k, compress: { codec: { dtype: 'i8' }, residual: residuals[r] } })));
      for (let r = 1; r < n; r++) identical &&= xs[r].every((v, i) => Object.is(v, xs[0][i]));
      for (let i = 0; i < d; i++) total[i] += xs[0][i];
    }
    let err = 0;
    for (let i = 0; i < d; i++) err = Math.max(err, Math.abs(total[i] - calls * exact[i]));
    return { err, identical };
  }

  it('identical bits on every rank; the summed error over 200 calls stays below the bound, and grows without feedback', async () => {
    // Inputs in [-1, 1]: a partial sum of t + 1 of them is below t + 1 (plus residuals, below 2/127 each), so
    // |e_hop t| < (t + 1 + 0.1) / 127 and |e_owner| < 1.1 / 127; bound = (1/n) sum_t |e_t| + |e_owner|.
    let hops = 0;
    for (let t = 0; t < n - 1; t++) hops += (t + 1.1) / 127;
    const bound = hops / n + 1.1 / 127;
    const withFeedback = await sums(true, 200);
    const without = await sums(false, 200);
    expect(withFeedback.identical).toBe(true);
    expect(without.identical).toBe(true);
    expect(withFeedback.err).toBeLessThan(bound);
    expect(without.err).toBeGreaterThan(10 * bound);
  });

  it.each<[Codec, number]>([
    [{ dtype: 'f16' }, 4e-3],
    [{ dtype: 'bf16' }, 3e-2],
    [{ dtype: 'topk', fraction: 0.25 }, Infinity],
  ])('%o: identical bits on every rank, and over 100 calls the summed error stays bounded (%d)', async (codec, bound) => {
    const { comms } = world(n);
    const inputs = comms.map((_, r) => randomVector(d, 70 + r, 1));
    const exact = mean(inputs);
    const residuals = comms.map(() => new Float32Array(d));
    const total = new Float64Array(d);
    for (let k = 0; k < 100; k++) {
      const xs = inputs.map((x) => new Float32Array(x));
      await Promise.all(comms.map((c, r) => c.allreduce(xs[r], { op: 'mean', iteration: k, compress: { codec, residual: residuals[r] } })));
      for (let r = 1; r < n; r++) expect(xs[r].every((v, i) => Object.is(v, xs[0][i]))).toBe(true);
      for (let i = 0; i < d; i++) total[i] += xs[0][i];
    }
    let err = 0;
    for (let i = 0; i < d; i++) err = Math.max(err, Math.abs(total[i] - 100 * exact[i]));
    // topk sends a quarter of each chunk per call; feedback still delivers the rest later: the sum is within a few inputs.
    expect(err).toBeLessThan(Number.isFinite(bound) ? bound : 4);
  });
});
