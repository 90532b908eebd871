/**
 * The wire format: a multipart message [header, tag, body]. The header is a
 * small msgpack map (FrameHeader), the body the values in the header's dtype
 * (raw float32, or compressed: codec.ts), the tag a
 * Poly1305 MAC of both (mac.ts) under the sender process's key. Decoding
 * checks the shape, the sizes and the MAC before anything reads the body,
 * and yields a Frame or the reason it must be dropped; it never throws on
 * input. Which kinds a socket accepts depends on its channel: a Link's
 * DEALER sends data, ping and bye to the peer's ROUTER ('link'); the ROUTER
 * answers with ack, pong and bye ('reply').
 */
import { Packr, Unpackr } from 'msgpackr';
import { FrameError } from '../errors.js';
import { FRAME_VERSION, MAC_BYTES, MAX_HEADER_BYTES } from './constants.js';
import { checkPacked, isWireDtype, packedBytes, type Packed } from './codec.js';
import { frameTag, isInstance, tagsEqual, type Keyring, type Space } from './mac.js';
import type { DropReason, FrameHeader, FrameKind } from './types.js';

export { frameKey, senderKey, newInstance, Keyring, type Space } from './mac.js';

/** Which way a frame travels: DEALER -> ROUTER ('link') or ROUTER -> DEALER ('reply'). */
export type Channel = 'link' | 'reply';
const ON_CHANNEL: Readonly<Record<Channel, ReadonlySet<string>>> = {
  link: new Set<FrameKind>(['data', 'ping', 'bye', 'join']),
  reply: new Set<FrameKind>(['ack', 'pong', 'bye']),
};
const KINDS: ReadonlySet<string> = new Set<FrameKind>(['data', 'ack', 'ping', 'pong', 'bye', 'join']);
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const EMPTY = Buffer.alloc(0);

/** A sending process: its job, its instance id and the key senderKey(jobKey, rank, inst). */
export interface FrameCodec {
  readonly job: string;
  readonly inst: string;
  readonly key: Buffer;
}

/** Checks of a received frame against this receiver. */
export interface DecodeContext {
  readonly job: string;
  readonly rank: number;
  readonly size: number;
  /** Largest body, in float32 elements (lowered by limitFrames once the model is known). */
  maxElements: number;
  readonly keys: Keyring;
}

export interface DataFrame {
  readonly kind: 'data';
  readonly header: FrameHeader;
  /** The body in header.dtype, authenticated and well formed (codec.ts); may be misaligned (see toFloats). */
  readonly body: Uint8Array;
}
export interface ControlFrame {
  readonly kind: 'ack' | 'ping' | 'pong' | 'bye';
  readonly header: FrameHeader;
}
/** A replacement asking to be taken back in: its body is its address (UTF-8, space-padded to 4 bytes). */
export interface JoinFrame {
  readonly kind: 'join';
  readonly header: FrameHeader;
  readonly body: Uint8Array;
}
export type Frame = DataFrame | ControlFrame | JoinFrame;

export type Decoded = { readonly ok: true; readonly frame: Frame } | { readonly ok: false; readonly reason: DropReason };

export interface HeaderFields {
  kind: FrameKind;
  from: number;
  to: number;
  iter: number;
  tag: number;
  /** Number in the frame's sequence space (spaceOf). */
  seq: number;
  /** For ack/pong: the seq of the frame answered. */
  ref?: number;
}

/** The sequence space of a frame of `kind` on `channel`. */
export function spaceOf(kind: FrameKind, channel: Channel): Space {
  if (kind === 'data') return 'data';
  return channel === 'link' ? 'control' : 'reply';
}

/** The parts of a frame; a data body is sent without a copy (keep it untouched until acknowledged). */
export function encodeFrame(codec: FrameCodec, channel: Channel, fields: HeaderFields, body?: Float32Array | Packed): [Buffer, Buffer, Buffer] {
  if (body !== undefined && fields.kind !== 'data' && fields.kind !== 'join') {
    throw new FrameError('E_FRAME_INVALID', `only 'data' and 'join' frames carry a body; got kind '${fields.kind}' with one`);
  }
  if (!ON_CHANNEL[channel].has(fields.kind)) {
    throw new FrameError('E_FRAME_INVALID', `a '${fields.kind}' frame does not travel on the ${channel} channel`);
  }
  const header: FrameHeader = {
    v: FRAME_VERSION,
    job: codec.job,
    kind: fields.kind,
    from: fields.from,
    to: fields.to,
    inst: codec.inst,
    iter: fields.iter,
    tag: fields.tag,
    dtype: body === undefined || body instanceof Float32Array ? 'f32' : body.dtype,
    length: body?.length ?? 0,
    seq: fields.seq,
    ref: fields.ref ?? 0,
  };
  const bytes = packr.pack(header);
  if (bytes.length > MAX_HEADER_BYTES) {
    throw new FrameError(
      'E_FRAME_INVALID',
      `encoded header is ${bytes.length} bytes, above ${MAX_HEADER_BYTES}; use a shorter job id (got ${codec.job.length} chars)`,
    );
  }
  const raw = body === undefined ? undefined : body instanceof Float32Array ? body : body.bytes;
  const payload = raw === undefined ? EMPTY : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return [bytes, frameTag(codec.key, spaceOf(fields.kind, channel), fields.to, fields.seq, bytes, payload), payload];
}

/** Validates a received message (the parts after any routing id); the body is read only by the MAC. */
export function decodeFrame(ctx: DecodeContext, channel: Channel, parts: readonly Uint8Array[]): Decoded {
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
  if (header === undefined || !ON_CHANNEL[channel].has(header.kind)) return drop('malformed');
  if (header.job !== ctx.job) return drop('wrong-job');
  // A topk body may exceed 4 bytes a value by one pair (8 bytes): ceil(length / 2) pairs.
  if (header.length > ctx.maxElements || body.byteLength > ctx.maxElements * 4 + 8) return drop('oversized');
  if (header.kind !== 'data' && header.dtype !== 'f32') return drop('malformed');
  const sized = header.dtype === 'topk' ? body.byteLength % 8 === 0 : body.byteLength === packedBytes(header.dtype, header.length);
  if (!sized) return drop('malformed');
  if (header.kind !== 'data' && header.kind !== 'join' && header.length !== 0) return drop('malformed');
  const key = ctx.keys.key(header.from, header.inst);
  const expected = frameTag(key, spaceOf(header.kind, channel), header.to, header.seq, headerBytes, body);
  if (!tagsEqual(expected, tag)) return drop('bad-mac');
  if (header.to !== ctx.rank || header.from >= ctx.size || header.from === ctx.rank) return drop('unknown-peer');
  // A replacement's join is authentic (only the secret's holders make the tag) but from a new process.
  if (header.kind === 'join') return { ok: true, frame: { kind: 'join', header, body } };
  // Authentic, but from another process of that rank (an earlier run of this job): a replay.
  const inst = ctx.keys.expected(header.from);
  if (inst !== undefined && inst !== header.inst) return drop('replay');
  // Authentic: only now is a compressed body read (sizes, i8 scales, topk indices).
  if (header.dtype !== 'f32' && !checkPacked(header.dtype, header.length, body)) return drop('malformed');
  if (header.kind === 'data') return { ok: true, frame: { kind: 'data', header, body } };
  return { ok: true, frame: { kind: header.kind, header } };
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
  if (r.v !== FRAME_VERSION || typeof r.job !== 'string' || !isWireDtype(r.dtype) || !isInstance(r.inst)) return undefined;
  if (typeof r.kind !== 'string' || !KINDS.has(r.kind)) return undefined;
  const counts = [r.from, r.to, r.iter, r.tag, r.length, r.seq, r.ref];
  if (!counts.every(isCount) || (r.to as number) >= 2 ** 24) return undefined;
  return {
    v: FRAME_VERSION,
    job: r.job,
    kind: r.kind as FrameKind,
    from: r.from as number,
    to: r.to as number,
    inst: r.inst,
    iter: r.iter as number,
    tag: r.tag as number,
    dtype: r.dtype,
    length: r.length as number,
    seq: r.seq as number,
    ref: r.ref as number,
  };
}
