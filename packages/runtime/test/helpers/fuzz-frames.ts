/**
 * Bad frames for a receiver of rank `rank` in a job of `size` ranks, each
 * with the reason it must be dropped. Deterministic from `seed`. Frames that
 * claim to come from `peer` are MACed with the key of instance `inst` when
 * given (the real sender's, so they are authentic but wrongly addressed or
 * replayed), else with a made-up instance.
 */
import { pack } from 'msgpackr';
import { encode, encodeFrame, frameKey, senderKey, type DropReason, type FrameCodec, type WireDtype } from '@dtrain/runtime';

export interface BadFrame {
  parts: Buffer[];
  reason: DropReason;
}

export interface FuzzTarget {
  job: string;
  secret: string;
  rank: number;
  size: number;
  maxElements: number;
}

const OTHER_INST = '0123456789abcdef';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** The codec of a sender process of rank `from` with instance `inst`. */
export function codecFor(secret: string, job: string, from: number, inst: string): FrameCodec {
  return { job, inst, key: senderKey(frameKey(secret, job), from, inst) };
}

export function badFrames(target: FuzzTarget, count: number, seed = 1): BadFrame[] {
  const random = rng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const bytes = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const peer = (target.rank + 1) % target.size;
  const codec = codecFor(target.secret, target.job, peer, OTHER_INST);
  const valid = (over: Partial<{ from: number; to: number; seq: number; iter: number }> = {}, length = 1 + int(64)): Buffer[] => {
    const fields = { kind: 'data' as const, from: peer, to: target.rank, iter: int(9), tag: int(3), seq: 1 + int(1000), ...over };
    const c = fields.from === peer ? codec : codecFor(target.secret, target.job, fields.from, OTHER_INST);
    return encodeFrame(c, 'link', fields, new Float32Array(length).fill(1));
  };
  const DTYPES: WireDtype[] = ['f16', 'bf16', 'i8', 'topk'];
  /** A compressed data frame (MACed with a made-up instance: authentic bodies are frame.test.ts's). */
  const packed = (): Buffer[] => {
    const dtype = DTYPES[int(DTYPES.length)]!;
    const v = Float32Array.from({ length: 8 + int(300) }, () => random() * 2 - 1);
    const fields = { kind: 'data' as const, from: peer, to: target.rank, iter: int(9), tag: int(3), seq: 1 + int(1000) };
    return encodeFrame(codec, 'link', fields, encode(v, { dtype, fraction: 0.1 }));
  };
  const makers: Array<() => BadFrame> = [
    () => {
      // A compressed body cut short (any dtype: its size is fixed by the header's length, topk's by pairs of 8 bytes).
      const [h, m, b] = packed();
      return { parts: [h, m, b.subarray(0, b.length - 1 - int(Math.min(7, b.length - 1)))], reason: 'malformed' };
    },
    () => {
      const [h, m, b] = packed();
      const flipped = Buffer.from(b);
      const bit = int(flipped.length * 8);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      return { parts: [h, m, flipped], reason: 'bad-mac' };
    },
    () => ({ parts: unknownDtype(target, peer), reason: 'malformed' }),
    () => ({ parts: Array.from({ length: [1, 2, 4, 5][int(4)]! }, () => bytes(int(300))), reason: 'malformed' }),
    () => ({ parts: [bytes(1 + int(512)), bytes(16), bytes(int(400))], reason: 'malformed' }),
    () => ({ parts: [bytes(513 + int(2000)), bytes(16), bytes(8)], reason: 'oversized' }),
    () => ({ parts: valid().slice(0, 1 + int(2)), reason: 'malformed' }),
    () => {
      const [h, m, b] = valid({}, 8 + int(64));
      return { parts: [h, m, b.subarray(0, b.length - 1 - int(b.length - 1))], reason: 'malformed' };
    },
    () => {
      const [h, m, b] = valid();
      return { parts: [h.subarray(0, 1 + int(h.length - 2)), m, b], reason: 'malformed' };
    },
    () => {
      const [h, m, b] = valid();
      return { parts: [h, m.subarray(0, int(16)), b], reason: 'malformed' };
    },
    () => {
      const [h, , b] = valid();
      return { parts: [h, bytes(16), b], reason: 'bad-mac' };
    },
    () => {
      // One changed body bit.
      const [h, m, b] = valid({}, 4 + int(60));
      const flipped = Buffer.from(b);
      const bit = int(flipped.length * 8);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      return { parts: [h, m, flipped], reason: 'bad-mac' };
    },
    () => ({
      parts: encodeFrame({ ...codec, job: `${target.job}-other` }, 'link', { kind: 'data', from: peer, to: target.rank, iter: 0, tag: 0, seq: 1 }),
      reason: 'wrong-job',
    }),
    () => ({ parts: encodeFrame(codec, 'reply', { kind: 'ack', from: peer, to: target.rank, iter: 0, tag: 0, seq: 1, ref: 1 }), reason: 'malformed' }),
    () => ({ parts: valid({ to: target.size + int(5) }), reason: 'unknown-peer' }),
    () => ({ parts: valid({ from: target.rank }), reason: 'unknown-peer' }),
    () => ({ parts: oversizedHeader(target, peer), reason: 'oversized' }),
    () => ({ parts: valid(), reason: 'replay' }),
  ];
  return Array.from({ length: count }, () => makers[int(makers.length)]!());
}

/** A header whose length field exceeds maxElements, with an empty body (refused before its MAC is read). */
function oversizedHeader(target: FuzzTarget, peer: number): Buffer[] {
  const header = pack({
    v: 2, job: target.job, kind: 'data', from: peer, to: target.rank, inst: OTHER_INST, iter: 0, tag: 0, dtype: 'f32',
    length: target.maxElements + 1, seq: 5, ref: 0,
  });
  return [header, Buffer.alloc(16), Buffer.alloc(0)];
}

/** A header naming a dtype no codec has. */
function unknownDtype(target: FuzzTarget, peer: number): Buffer[] {
  const header = pack({ v: 2, job: target.job, kind: 'data', from: peer, to: target.rank, inst: OTHER_INST, iter: 0, tag: 0, dtype: 'f64', length: 2, seq: 5, ref: 0 });
  return [header, Buffer.alloc(16), Buffer.alloc(16)];
}

export function countByReason(frames: readonly BadFrame[]): Record<DropReason, number> {
  const out: Record<DropReason, number> = {
    malformed: 0, oversized: 0, 'wrong-job': 0, 'bad-mac': 0, 'stale-iteration': 0, 'unknown-peer': 0, replay: 0, refused: 0,
  };
  for (const f of frames) out[f.reason] += 1;
  return out;
}
