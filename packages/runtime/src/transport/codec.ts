/**
 * Compressed frame bodies. A body is `length` logical float32 values
 * carried in one of these wire types (the frame header's `dtype`):
 *
 *   f32   4 bytes a value, as is
 *   f16   IEEE half, 2 bytes a value (round to nearest even; beyond 65504 -> inf)
 *   bf16  the top 16 bits of the float32 (round to nearest even), 2 bytes
 *   i8    per block of I8_BLOCK values one float32 scale s (a power of two),
 *         then one int8 k per value: v ~ k s, |k| <= 127. Layout: the
 *         ceil(length / I8_BLOCK) scales, then the length bytes.
 *   topk  the k = ceil(F length) values of largest magnitude, as k uint32
 *         indices (increasing) then k float32 values; the rest are 0.
 *
 * decode(encode(v)) is what the receiver sees; the senders of the
 * compressed algorithms compute it too (comm/choco.ts, comm/ef-allreduce.ts).
 * Re-encoding a decoded vector gives the same values back (the i8 scale is a
 * power of two for that), so a forwarded chunk keeps its bits.
 */
import { TransportError } from '../errors.js';

export type WireDtype = 'f32' | 'f16' | 'bf16' | 'i8' | 'topk';
export const WIRE_DTYPES: readonly WireDtype[] = ['f32', 'f16', 'bf16', 'i8', 'topk'];
/** Values per int8 scale. */
export const I8_BLOCK = 256;

/** What a compressed frame carries: `length` values encoded as `dtype` in `bytes`. */
export interface Packed {
  readonly dtype: WireDtype;
  readonly length: number;
  readonly bytes: Uint8Array;
}

/** How to compress: a wire type, and for topk the fraction kept. */
export interface Codec {
  readonly dtype: WireDtype;
  /** topk: fraction of the values kept, in (0, 0.5]. */
  readonly fraction?: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half, round to nearest even (the bit-level method: bias the exponent, round on the bits). */
function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  let a = x & 0x7fffffff;
  // 65520 and up (they round to 2^16), inf, NaN.
  if (a >= 0x47800000) return sign | (a > 0x7f800000 ? 0x7e00 : 0x7c00);
  if (a < 0x38800000) {
    // Below 2^-14: a half subnormal. Adding 0.5 lines its units up with float32's last bits (rounding as float32 does).
    u32[0] = a;
    f32[0] = f32[0] + 0.5;
    return sign | (u32[0] - 0x3f000000);
  }
  a = a - 0x38000000 + 0xfff + ((a >>> 13) & 1);
  return sign | (a >>> 13);
}

let halfTable: Float32Array | undefined;

/** Every half's float32 value, built once. */
function halves(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfValue(h);
  }
  return halfTable;
}

function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

function toBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function fromBf16(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

/** Number of values topk keeps of `length` at `fraction`. */
export function topkCount(length: number, fraction: number): number {
  return length === 0 ? 0 : Math.min(length, Math.max(1, Math.ceil(fraction * length)));
}

/** The power of two s with m/127 <= s < 2m/127 (0 for m = 0). */
function i8Scale(m: number): number {
  if (!(m > 0)) return 0;
  const target = m / 127;
  let s = 2 ** Math.ceil(Math.log2(target));
  if (s < target) s *= 2;
  if (s / 2 >= target) s /= 2;
  return Math.fround(s);
}

/** Body bytes of `length` values as `dtype` (topk: of k kept values). */
export function packedBytes(dtype: WireDtype, length: number, kept = 0): number {
  switch (dtype) {
    case 'f32':
      return 4 * length;
    case 'f16':
    case 'bf16':
      return 2 * length;
    case 'i8':
      return 4 * Math.ceil(length / I8_BLOCK) + length;
    case 'topk':
      return 8 * kept;
  }
}

/** Encode `v` (a new buffer; `v` is not kept). */
export function encode(v: Float32Array, codec: Codec): Packed {
  const n = v.length;
  const { dtype } = codec;
  if (dtype === 'f32') return { dtype, length: n, bytes: new Uint8Array(new Float32Array(v).buffer) };
  if (dtype === 'f16' || dtype === 'bf16') {
    const out = new Uint16Array(n);
    const conv = dtype === 'f16' ? toHalf : toBf16;
    for (let i = 0; i < n; i++) out[i] = conv(v[i]);
    return { dtype, length: n, bytes: new Uint8Array(out.buffer) };
  }
  if (dtype === 'i8') {
    const blocks = Math.ceil(n / I8_BLOCK);
    const bytes = new Uint8Array(packedBytes('i8', n));
    const scales = new Float32Array(bytes.buffer, 0, blocks);
    const ks = new Int8Array(bytes.buffer, 4 * blocks, n);
    for (let b = 0; b < blocks; b++) {
      const end = Math.min(n, (b + 1) * I8_BLOCK);
      let m = 0;
      for (let i = b * I8_BLOCK; i < end; i++) m = Math.max(m, Math.abs(v[i]));
      const s = i8Scale(m);
      scales[b] = s;
      if (s === 0 || !Number.isFinite(s)) continue;
      for (let i = b * I8_BLOCK; i < end; i++) ks[i] = Math.max(-127, Math.min(127, Math.round(v[i] / s)));
    }
    return { dtype, length: n, bytes };
  }
  const k = topkCount(n, codec.fraction ?? 0.01);
  const idx = topkIndices(v, k);
  const bytes = new Uint8Array(8 * k);
  const ids = new Uint32Array(bytes.buffer, 0, k);
  const vals = new Float32Array(bytes.buffer, 4 * k, k);
  ids.set(idx);
  for (let j = 0; j < k; j++) vals[j] = v[idx[j]];
  return { dtype, length: n, bytes };
}

/** Indices of the k values of largest magnitude, increasing (ties: lower index first). */
function topkIndices(v: Float32Array, k: number): Uint32Array {
  const n = v.length;
  if (k >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const mags = new Float32Array(n);
  for (let i = 0; i < n; i++) mags[i] = Math.abs(v[i]);
  const threshold = select(new Float32Array(mags), n - k);
  const out = new Uint32Array(k);
  let j = 0;
  for (let i = 0; i < n && j < k; i++) if (mags[i] > threshold) out[j++] = i;
  for (let i = 0; i < n && j < k; i++) if (mags[i] === threshold) out[j++] = i;
  return out.sort();
}

/** The value of rank `r` (0 = smallest) of `a`, reordering `a` (quickselect, expected O(n)). */
function select(a: Float32Array, r: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r];
  }
  return a[r];
}

/** A copy of `bytes` starting at an aligned offset. */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
}

/**
 * Decode into `out` (of exactly `length` values). The body must have passed
 * checkPacked; throws TransportError E_TRANSPORT_ARGUMENT on a length mismatch.
 */
export function decodeInto(p: Packed, out: Float32Array): Float32Array {
  const n = p.length;
  if (out.length !== n) throw new TransportError('E_TRANSPORT_ARGUMENT', `decode of ${n} values into an array of ${out.length}`);
  const bytes = aligned(p.bytes);
  switch (p.dtype) {
    case 'f32':
      out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
      return out;
    case 'f16':
    case 'bf16': {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      if (p.dtype === 'f16') {
        const table = halves();
        for (let i = 0; i < n; i++) out[i] = table[src[i]];
      } else for (let i = 0; i < n; i++) out[i] = fromBf16(src[i]);
      return out;
    }
    case 'i8': {
      const blocks = Math.ceil(n / I8_BLOCK);
      const scales = new Float32Array(bytes.buffer, bytes.byteOffset, blocks);
      const ks = new Int8Array(bytes.buffer, bytes.byteOffset + 4 * blocks, n);
      for (let i = 0; i < n; i++) out[i] = ks[i] * scales[(i / I8_BLOCK) | 0];
      return out;
    }
    case 'topk': {
      const k = bytes.byteLength / 8;
      const ids = new Uint32Array(bytes.buffer, bytes.byteOffset, k);
      const vals = new Float32Array(bytes.buffer, bytes.byteOffset + 4 * k, k);
      out.fill(0);
      for (let j = 0; j < k; j++) out[ids[j]] = vals[j];
      return out;
    }
  }
}

/**
 * True when `bytes` is a well-formed body of `length` values as `dtype`:
 * the byte count, i8 scales finite and non-negative, topk indices strictly
 * increasing below `length` and at most half of them kept. Reads the body
 * (run it after the MAC has verified).
 */
export function checkPacked(dtype: WireDtype, length: number, bytes: Uint8Array): boolean {
  if (dtype === 'topk') {
    if (bytes.byteLength % 8 !== 0) return false;
    const k = bytes.byteLength / 8;
    if (length === 0 ? k !== 0 : k < 1 || k > Math.max(1, Math.ceil(length / 2))) return false;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let prev = -1;
    for (let j = 0; j < k; j++) {
      const id = view.getUint32(4 * j, true);
      if (id <= prev || id >= length) return false;
      prev = id;
    }
    return true;
  }
  if (bytes.byteLength !== packedBytes(dtype, length)) return false;
  if (dtype !== 'i8') return true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = 0; b < Math.ceil(length / I8_BLOCK); b++) {
    const s = view.getFloat32(4 * b, true);
    if (!(s >= 0) || !Number.isFinite(s)) return false;
  }
  return true;
}

/** Bytes a body puts on the wire. */
export function bodyBytes(body: Float32Array | Packed): number {
  return body instanceof Float32Array ? body.byteLength : body.bytes.byteLength;
}

export function isWireDtype(value: unknown): value is WireDtype {
  return typeof value === 'string' && (WIRE_DTYPES as readonly string[]).includes(value);
}
