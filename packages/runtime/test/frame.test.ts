import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, frameKey, type DecodeContext } from '@dtrain/runtime';
import { badFrames, countByReason } from './helpers/fuzz-frames.js';

const secret = 'frame-test-secret-0123456789';
const ctx: DecodeContext = { job: 'job-a', key: frameKey(secret, 'job-a'), rank: 1, size: 4, maxElements: 1_000 };
const fields = { kind: 'data', from: 2, to: 1, iter: 7, tag: 3, seq: 9 } as const;

describe('frame codec', () => {
  it('round-trips header and body bytes exactly', () => {
    const body = Float32Array.from([1.5, -0, Number.NaN, 3e38, -1e-40]);
    const decoded = decodeFrame(ctx, encodeFrame(ctx, fields, body));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok || decoded.frame.kind !== 'data') throw new Error('expected a data frame');
    expect(decoded.frame.header).toMatchObject({ v: 1, job: 'job-a', from: 2, to: 1, iter: 7, tag: 3, seq: 9, length: 5, dtype: 'f32' });
    const b = decoded.frame.body;
    expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(body.buffer))).toBe(true);
  });

  it('sends the bytes of a subarray view, not its whole backing store', () => {
    const store = Float32Array.from({ length: 10 }, (_, i) => i);
    const [, , body] = encodeFrame(ctx, fields, store.subarray(3, 5));
    expect(body.byteLength).toBe(8);
    expect(Array.from(new Float32Array(Uint8Array.from(body).buffer))).toEqual([3, 4]);
  });

  it('decodes control frames without a body and refuses a body on them', () => {
    const decoded = decodeFrame(ctx, encodeFrame(ctx, { ...fields, kind: 'ack' }));
    expect(decoded).toMatchObject({ ok: true, frame: { kind: 'ack', header: { seq: 9, length: 0 } } });
    expect(() => encodeFrame(ctx, { ...fields, kind: 'ping' }, new Float32Array(1))).toThrow(
      expect.objectContaining({ code: 'E_FRAME_INVALID' }),
    );
  });

  it('drops a frame signed with another secret as bad-auth, of another job as wrong-job', () => {
    const other = { ...ctx, key: frameKey('another-secret-0123456789', 'job-a') };
    expect(decodeFrame(ctx, encodeFrame(other, fields, new Float32Array(2)))).toEqual({ ok: false, reason: 'bad-auth' });
    const otherJob = { ...ctx, job: 'job-b', key: frameKey(secret, 'job-b') };
    expect(decodeFrame(ctx, encodeFrame(otherJob, fields, new Float32Array(2)))).toEqual({ ok: false, reason: 'wrong-job' });
  });

  it('a valid header with a body of the wrong size is malformed; one above the limit is oversized', () => {
    const [h, m, b] = encodeFrame(ctx, fields, new Float32Array(4));
    expect(decodeFrame(ctx, [h, m, b.subarray(0, 15)])).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeFrame(ctx, encodeFrame(ctx, fields, new Float32Array(1_001)))).toEqual({ ok: false, reason: 'oversized' });
  });

  it('classifies 3,000 generated bad frames exactly as generated, never accepting one', () => {
    const frames = badFrames({ job: ctx.job, secret, rank: 1, size: 4, maxElements: 1_000 }, 3_000, 7);
    const seen = { ...countByReason([]) };
    for (const f of frames) {
      const decoded = decodeFrame(ctx, f.parts);
      // 'duplicate' frames are well-formed: the transport rejects them by sequence number.
      if (f.reason === 'duplicate') {
        expect(decoded.ok && decoded.frame.header.seq).toBe(0);
        seen.duplicate += 1;
        continue;
      }
      expect(decoded).toEqual({ ok: false, reason: f.reason });
      if (!decoded.ok) seen[decoded.reason] += 1;
    }
    expect(seen).toEqual(countByReason(frames));
    expect(Object.values(seen).filter((n) => n > 0).length).toBeGreaterThanOrEqual(6);
  });
});
