/** Argument checks shared by every Transport implementation. */
import { FrameError, TransportError } from '../errors.js';
import { checkPacked, isWireDtype, type Packed } from './codec.js';

function isPacked(body: unknown): body is Packed {
  if (typeof body !== 'object' || body === null) return false;
  const p = body as Partial<Packed>;
  return isWireDtype(p.dtype) && Number.isSafeInteger(p.length) && p.bytes instanceof Uint8Array && checkPacked(p.dtype, p.length!, p.bytes);
}

/** Throws E_TRANSPORT_ARGUMENT unless `peer` is another rank of the job and iter/tag are valid. */
export function checkLink(rank: number, size: number, peer: number, iter: number, tag: number): void {
  if (!Number.isInteger(peer) || peer < 0 || peer >= size || peer === rank) {
    throw new TransportError(
      'E_TRANSPORT_ARGUMENT',
      `rank ${rank}: peer must be another rank in [0, ${size}); got ${String(peer)}`,
    );
  }
  checkCounter('iteration', iter);
  checkCounter('tag', tag);
}

/** Iterations and tags are integers in [0, 2^53). */
export function checkCounter(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TransportError(
      'E_TRANSPORT_ARGUMENT',
      `${what} must be a non-negative safe integer; got ${String(value)}`,
    );
  }
}

export function checkBody(body: unknown, maxElements: number): asserts body is Float32Array | Packed {
  if (!(body instanceof Float32Array) && !isPacked(body)) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `body must be a Float32Array or an encoded one (codec.ts encode); got ${describe(body)}`);
  }
  if (body.length > maxElements) {
    throw new FrameError(
      'E_FRAME_TOO_LARGE',
      `body has ${body.length} elements, above the limit of ${maxElements}; split it or raise maxElements on every rank`,
    );
  }
}

/** A frame limit is a positive integer number of float32 elements. */
export function checkFrameLimit(maxElements: number): void {
  if (!Number.isSafeInteger(maxElements) || maxElements < 1) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `the frame limit must be a positive integer number of floats; got ${String(maxElements)}`);
  }
}

export function checkTimeout(timeoutMs: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `timeoutMs must be a positive number of ms; got ${String(timeoutMs)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
