/** What every communicator operation needs: the transport, its settings and scratch memory. */
import { CommError } from '../errors.js';
import type { Transport } from '../transport/types.js';
import type { ScratchPool } from './lanes.js';

export interface OpContext {
  readonly transport: Transport;
  readonly rank: number;
  readonly size: number;
  readonly timeoutMs: number;
  /** Floats per streamed frame. */
  readonly chunkFloats: number;
  /** Chunks in flight at once. */
  readonly lanes: number;
  readonly pool: ScratchPool;
}

/**
 * Receive frame (iter, tag) from `peer` into `into` and check its length.
 * Returns the received body (usually `into` itself; an implementation may
 * return other memory, which callers that need the data in `into` copy).
 */
export async function recvExact(
  ctx: OpContext,
  peer: number,
  iter: number,
  tag: number,
  into: Float32Array,
  what: string,
): Promise<Float32Array> {
  const body = await ctx.transport.recv(peer, iter, tag, { deadline: Date.now() + ctx.timeoutMs, into });
  if (body.length !== into.length) {
    throw new CommError(
      'E_COMM_LENGTH',
      `${what}: rank ${ctx.rank} expected ${into.length} floats from rank ${peer} (iteration ${iter}, tag ${tag}) but got ${body.length}; every rank must pass vectors of the same length`,
      peer,
    );
  }
  return body;
}

/** Make sure `dest` holds `body` (a no-op when the transport received straight into it). */
export function landIn(dest: Float32Array, body: Float32Array): void {
  if (body.buffer === dest.buffer && body.byteOffset === dest.byteOffset) return;
  dest.set(body);
}
