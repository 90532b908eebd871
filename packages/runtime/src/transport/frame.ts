/**
 * The wire format: a multipart message [header, mac, body]. The header is a
 * small msgpack map (FrameHeader), the mac a truncated HMAC-SHA256 of the
 * header bytes under a key derived from the job secret and job id, the body
 * the raw float32 bytes. Decoding checks everything and yields a Frame or
 * the reason it must be dropped; it never throws on input.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Packr, Unpackr } from 'msgpackr';
import { FrameError } from '../errors.js';
import { FRAME_VERSION, MAC_BYTES, MAX_HEADER_BYTES } from './constants.js';
import type { DropReason, FrameHeader, FrameKind } from './types.js';

const KINDS: ReadonlySet<string> = new Set<FrameKind>(['data', 'ack', 'ping', 'pong', 'bye']);
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const EMPTY = Buffer.alloc(0);

/** What the sender and the receiver must agree on. */
export interface FrameCodec {
  readonly job: string;
  /** HMAC key, from frameKey(). */
  readonly key: Buffer;
}

/** Checks of a received frame against this receiver. */
export interface DecodeContext extends FrameCodec {
  readonly rank: number;
  readonly size: number;
  readonly maxElements: number;
}

export interface DataFrame {
  readonly kind: 'data';
  readonly header: FrameHeader;
  /** Raw float32 bytes; may be misaligned (see toFloats). */
  readonly body: Uint8Array;
}
export interface ControlFrame {
  readonly kind: 'ack' | 'ping' | 'pong' | 'bye';
  readonly header: FrameHeader;
}
export type Frame = DataFrame | ControlFrame;

export type Decoded = { readonly ok: true; readonly frame: Frame } | { readonly ok: false; readonly reason: DropReason };

/** The per-job HMAC key: nobody without the secret can make a header this job accepts. */
export function frameKey(secret: string, job: string): Buffer {
  return createHmac('sha256', secret).update(`dtrain/frame/v1\0${job}`).digest();
}

export interface HeaderFields {
  kind: FrameKind;
  from: number;
  to: number;
  iter: number;
  tag: number;
  seq: number;
}

/** The parts of a frame; a data body is sent without a copy (keep it untouched until acknowledged). */
export function encodeFrame(codec: FrameCodec, fields: HeaderFields, body?: Float32Array): [Buffer, Buffer, Buffer] {
  if (body !== undefined && fields.kind !== 'data') {
    throw new FrameError('E_FRAME_INVALID', `only 'data' frames carry a body; got kind '${fields.kind}' with one`);
  }
  const header: FrameHeader = {
    v: FRAME_VERSION,
    job: codec.job,
    kind: fields.kind,
    from: fields.from,
    to: fields.to,
    iter: fields.iter,
    tag: fields.tag,
    dtype: 'f32',
    length: body?.length ?? 0,
    seq: fields.seq,
  };
  const bytes = packr.pack(header);
  if (bytes.length > MAX_HEADER_BYTES) {
    throw new FrameError(
      'E_FRAME_INVALID',
      `encoded header is ${bytes.length} bytes, above ${MAX_HEADER_BYTES}; use a shorter job id (got ${codec.job.length} chars)`,
    );
  }
  const payload = body === undefined ? EMPTY : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return [bytes, mac(codec.key, bytes), payload];
}

/** Validates a received message (the parts after any routing id). */
export function decodeFrame(ctx: DecodeContext, parts: readonly Uint8Array[]): Decoded {
  if (parts.length !== 3) return drop('malformed');
  const [headerBytes, tag, body] = parts as [Uint8Array, Uint8Array, Uint8Array];
  if (headerBytes.byteLength > MAX_HEADER_BYTES) return drop('oversized');
  if (tag.byteLength !== MAC_BYTES) return drop('malformed');
  let raw: unknown;
  try {
    raw = unpackr.unpack(headerBytes);
  } catch {
    return drop('malformed');
  }
  const header = asHeader(raw);
  if (header === undefined) return drop('malformed');
  if (header.job !== ctx.job) return drop('wrong-job');
  if (!timingSafeEqual(mac(ctx.key, headerBytes), tag)) return drop('bad-auth');
  if (header.to !== ctx.rank || header.from >= ctx.size || header.from === ctx.rank) return drop('unknown-peer');
  if (header.length > ctx.maxElements || body.byteLength > ctx.maxElements * 4) return drop('oversized');
  if (body.byteLength !== header.length * 4) return drop('malformed');
  if (header.kind === 'data') return { ok: true, frame: { kind: 'data', header, body } };
  if (header.length !== 0) return drop('malformed');
  return { ok: true, frame: { kind: header.kind, header } };
}

function mac(key: Buffer, bytes: Uint8Array): Buffer {
  return createHmac('sha256', key).update(bytes).digest().subarray(0, MAC_BYTES);
}

function drop(reason: DropReason): Decoded {
  return { ok: false, reason };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A FrameHeader when `raw` has exactly the right shape, else undefined. */
function asHeader(raw: unknown): FrameHeader | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  if (r.v !== FRAME_VERSION || typeof r.job !== 'string' || r.dtype !== 'f32') return undefined;
  if (typeof r.kind !== 'string' || !KINDS.has(r.kind)) return undefined;
  const counts = [r.from, r.to, r.iter, r.tag, r.length, r.seq];
  if (!counts.every(isCount)) return undefined;
  return {
    v: FRAME_VERSION,
    job: r.job,
    kind: r.kind as FrameKind,
    from: r.from as number,
    to: r.to as number,
    iter: r.iter as number,
    tag: r.tag as number,
    dtype: 'f32',
    length: r.length as number,
    seq: r.seq as number,
  };
}
