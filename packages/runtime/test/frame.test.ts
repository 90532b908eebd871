import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeInto, encode, encodeFrame, frameKey, Keyring, type DecodeContext, type Packed } from '@dtrain/runtime';
import { badFrames, codecFor, countByReason } from './helpers/fuzz-frames.js';

const secret = 'frame-test-secret-0123456789';
const INSTANCES = ['a0a0a0a0a0a0a0a0', 'a1a1a1a1a1a1a1a1', 'a2a2a2a2a2a2a2a2', 'a3a3a3a3a3a3a3a3'];
const ctx: DecodeContext = { job: 'job-a', rank: 1, size: 4, maxElements: 1_000, keys: new Keyring(frameKey(secret, 'job-a'), INSTANCES) };
const rank2 = codecFor(secret, 'job-a', 2, INSTANCES[2]!);
const fields = { kind: 'data', from: 2, to: 1, iter: 7, tag: 3, seq: 9 } as const;

function flipBit(b: Buffer, bit: number): Buffer {
  const out = Buffer.from(b);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

describe('frame codec', () => {
  it('round-trips header and body bytes exactly', () => {
    const body = Float32Array.from([1.5, -0, Number.NaN, 3e38, -1e-40]);
    const decoded = decodeFrame(ctx, 'link', encodeFrame(rank2, 'link', fields, body));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok || decoded.frame.kind !== 'data') throw new Error('expected a data frame');
    expect(decoded.frame.header).toMatchObject({ v: 2, job: 'job-a', from: 2, to: 1, iter: 7, tag: 3, seq: 9, length: 5, dtype: 'f32', inst: INSTANCES[2] });
    const b = decoded.frame.body;
    expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(body.buffer))).toBe(true);
  });

  it('sends the bytes of a subarray view, not its whole backing store, and without a copy', () => {
    const store = Float32Array.from({ length: 10 }, (_, i) => i);
    const [, , body] = encodeFrame(rank2, 'link', fields, store.subarray(3, 5));
    expect(body.byteLength).toBe(8);
    expect(body.buffer).toBe(store.buffer);
    expect(Array.from(new Float32Array(Uint8Array.from(body).buffer))).toEqual([3, 4]);
  });

  it('decodes control frames on their channel only and refuses a body on them', () => {
    const ack = encodeFrame(rank2, 'reply', { ...fields, kind: 'ack', ref: 4 });
    expect(decodeFrame(ctx, 'reply', ack)).toMatchObject({ ok: true, frame: { kind: 'ack', header: { seq: 9, ref: 4, length: 0 } } });
    // An ack thrown at a ROUTER (the link channel) is not a frame it takes.
    expect(decodeFrame(ctx, 'link', ack)).toEqual({ ok: false, reason: 'malformed' });
    expect(() => encodeFrame(rank2, 'link', { ...fields, kind: 'ping' }, new Float32Array(1))).toThrow(
      expect.objectContaining({ code: 'E_FRAME_INVALID' }),
    );
    expect(() => encodeFrame(rank2, 'link', { ...fields, kind: 'ack' })).toThrow(expect.objectContaining({ code: 'E_FRAME_INVALID' }));
  });

  it('a bye moved from the reply channel to the link channel fails its MAC (the space is in the nonce)', () => {
    const bye = encodeFrame(rank2, 'reply', { ...fields, kind: 'bye' });
    expect(decodeFrame(ctx, 'reply', bye).ok).toBe(true);
    expect(decodeFrame(ctx, 'link', bye)).toEqual({ ok: false, reason: 'bad-mac' });
  });

  it('drops a frame signed with another secret as bad-mac, of another job as wrong-job', () => {
    const other = codecFor('another-secret-0123456789', 'job-a', 2, INSTANCES[2]!);
    expect(decodeFrame(ctx, 'link', encodeFrame(other, 'link', fields, new Float32Array(2)))).toEqual({ ok: false, reason: 'bad-mac' });
    const otherJob = codecFor(secret, 'job-b', 2, INSTANCES[2]!);
    expect(decodeFrame(ctx, 'link', encodeFrame(otherJob, 'link', fields, new Float32Array(2)))).toEqual({ ok: false, reason: 'wrong-job' });
  });

  it('one changed bit anywhere in the header, tag or body is bad-mac or malformed, never accepted', () => {
    const body = Float32Array.from({ length: 16 }, (_, i) => i * 0.25);
    const parts = encodeFrame(rank2, 'link', fields, body);
    let rejected = 0;
    for (let p = 0; p < 3; p++) {
      for (let bit = 0; bit < parts[p]!.length * 8; bit += 3) {
        const changed = parts.map((part, q) => (q === p ? flipBit(part, bit) : part));
        const decoded = decodeFrame(ctx, 'link', changed);
        expect(decoded.ok).toBe(false);
        rejected += 1;
      }
    }
    // Every body bit is covered by the MAC.
    for (let bit = 0; bit < 64 * 8; bit += 7) {
      expect(decodeFrame(ctx, 'link', [parts[0], parts[1], flipBit(parts[2], bit)])).toEqual({ ok: false, reason: 'bad-mac' });
    }
    expect(rejected).toBeGreaterThan(100);
  });

  it('an authentic frame from another process of the same rank is a replay', () => {
    const earlier = codecFor(secret, 'job-a', 2, 'ffffffffffffffff');
    expect(decodeFrame(ctx, 'link', encodeFrame(earlier, 'link', fields, new Float32Array(2)))).toEqual({ ok: false, reason: 'replay' });
  });

  it('a valid header with a body of the wrong size is malformed; one above the limit is oversized', () => {
    const [h, m, b] = encodeFrame(rank2, 'link', fields, new Float32Array(4));
    expect(decodeFrame(ctx, 'link', [h, m, b.subarray(0, 15)])).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeFrame(ctx, 'link', encodeFrame(rank2, 'link', fields, new Float32Array(1_001)))).toEqual({ ok: false, reason: 'oversized' });
  });

  it('classifies 3,000 generated bad frames exactly as generated, never accepting one', () => {
    const frames = badFrames({ job: ctx.job, secret, rank: 1, size: 4, maxElements: 1_000 }, 3_000, 7);
    const seen = { ...countByReason([]) };
    for (const f of frames) {
      const decoded = decodeFrame(ctx, 'link', f.parts);
      expect(decoded).toEqual({ ok: false, reason: f.reason });
      if (!decoded.ok) seen[decoded.reason] += 1;
    }
    expect(seen).toEqual(countByReason(frames));
    // Every reason a frame can be dropped for on decoding (not stale-iteration, not refused) shows up.
    expect(Object.values(seen).filter((n) => n > 0).length).toBe(6);
  });

  it('compressed bodies: the header carries the dtype and the value count, the values come back as the sender decoded them', () => {
    const v = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i) * 3);
    for (const codec of [{ dtype: 'f16' }, { dtype: 'bf16' }, { dtype: 'i8' }, { dtype: 'topk', fraction: 0.1 }] as const) {
      const p = encode(v, codec);
      const decoded = decodeFrame(ctx, 'link', encodeFrame(rank2, 'link', fields, p));
      if (!decoded.ok || decoded.frame.kind !== 'data') throw new Error(`expected a ${codec.dtype} data frame`);
      expect(decoded.frame.header).toMatchObject({ dtype: codec.dtype, length: 300 });
      const got = decodeInto({ dtype: codec.dtype, length: 300, bytes: decoded.frame.body }, new Float32Array(300));
      expect(Array.from(got)).toEqual(Array.from(decodeInto(p, new Float32Array(300))));
    }
  });

  it('an authentic compressed body that does not decode is malformed: a topk index out of range or repeated, an i8 scale not finite', () => {
    const v = Float32Array.from({ length: 100 }, (_, i) => i - 50);
    const topk = encode(v, { dtype: 'topk', fraction: 0.1 });
    const withIndex = (at: number, id: number): Packed => {
      const bytes = new Uint8Array(topk.bytes);
      new DataView(bytes.buffer).setUint32(4 * at, id, true);
      return { ...topk, bytes };
    };
    const i8 = encode(v, { dtype: 'i8' });
    const nanScale = new Uint8Array(i8.bytes);
    new DataView(nanScale.buffer).setFloat32(0, Number.POSITIVE_INFINITY, true);
    for (const bad of [withIndex(9, 100), withIndex(1, new DataView(topk.bytes.buffer).getUint32(0, true)), { ...i8, bytes: nanScale }]) {
      // MACed by the real sender, so only the body check can refuse it.
      expect(decodeFrame(ctx, 'link', encodeFrame(rank2, 'link', fields, bad))).toEqual({ ok: false, reason: 'malformed' });
    }
    const tooMany = encode(v, { dtype: 'topk', fraction: 0.5 });
    expect(decodeFrame(ctx, 'link', encodeFrame(rank2, 'link', fields, { ...tooMany, length: 90 }))).toEqual({ ok: false, reason: 'malformed' });
    const [h, m, b] = encodeFrame(rank2, 'link', fields, encode(v, { dtype: 'f16' }));
    expect(decodeFrame(ctx, 'link', [h, m, b.subarray(0, 198)])).toEqual({ ok: false, reason: 'malformed' });
  });
});
