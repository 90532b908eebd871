/**
 * Bad frames for a receiver of rank `rank` in a job of `size` ranks, each
 * with the reason it must be dropped. Deterministic from `seed`.
 */
import { createHmac } from 'node:crypto';
import { pack } from 'msgpackr';
import { encodeFrame, frameKey, type DropReason } from '@dtrain/runtime';

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

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export function badFrames(target: FuzzTarget, count: number, seed = 1): BadFrame[] {
  const random = rng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const bytes = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const codec = { job: target.job, key: frameKey(target.secret, target.job) };
  const peer = (target.rank + 1) % target.size;
  const valid = (over: Partial<{ from: number; to: number; seq: number; iter: number }> = {}, length = 1 + int(64)): Buffer[] =>
    encodeFrame(codec, { kind: 'data', from: peer, to: target.rank, iter: int(9), tag: int(3), seq: 0, ...over }, new Float32Array(length).fill(1));
  const makers: Array<() => BadFrame> = [
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
      return { parts: [h, bytes(16), b], reason: 'bad-auth' };
    },
    () => ({
      parts: encodeFrame({ job: `${target.job}-other`, key: codec.key }, { kind: 'data', from: peer, to: target.rank, iter: 0, tag: 0, seq: 1 }),
      reason: 'wrong-job',
    }),
    () => ({ parts: valid({ to: target.size + int(5) }), reason: 'unknown-peer' }),
    () => ({ parts: valid({ from: target.rank }), reason: 'unknown-peer' }),
    () => ({ parts: oversizedHeader(target, codec.key, peer), reason: 'oversized' }),
    () => ({ parts: valid({ seq: 0 }), reason: 'duplicate' }),
  ];
  return Array.from({ length: count }, () => makers[int(makers.length)]!());
}

/** A correctly signed header whose length field exceeds maxElements, with an empty body. */
function oversizedHeader(target: FuzzTarget, key: Buffer, peer: number): Buffer[] {
  const header = pack({
    v: 1, job: target.job, kind: 'data', from: peer, to: target.rank, iter: 0, tag: 0, dtype: 'f32',
    length: target.maxElements + 1, seq: 5,
  });
  return [header, createHmac('sha256', key).update(header).digest().subarray(0, 16), Buffer.alloc(0)];
}

export function countByReason(frames: readonly BadFrame[]): Record<DropReason, number> {
  const out = { malformed: 0, oversized: 0, 'wrong-job': 0, 'bad-auth': 0, 'stale-iteration': 0, 'unknown-peer': 0, duplicate: 0 };
  for (const f of frames) out[f.reason] += 1;
  return out;
}
