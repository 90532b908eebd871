/**
 * Streaming helpers: split a vector into segments and chunks, run chunk
 * "lanes" with a bounded number in flight, and keep receive buffers for
 * reuse across lanes and calls.
 */

/** Half-open range [start, end). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/** Part `index` of `parts` near-equal parts of [0, length); parts may be empty when length < parts. */
export function splitEven(length: number, parts: number, index: number): Range {
  return {
    start: Math.floor((index * length) / parts),
    end: Math.floor(((index + 1) * length) / parts),
  };
}

/** Chunk `c` (of size `chunk`) inside `range`; empty when the range has fewer chunks. */
export function chunkOf(range: Range, chunk: number, c: number): Range {
  const start = Math.min(range.end, range.start + c * chunk);
  return { start, end: Math.min(range.end, start + chunk) };
}

export function chunkCount(length: number, chunk: number): number {
  return Math.ceil(length / chunk);
}

/**
 * Run `work(lane, slot)` for lane = 0..count-1 with at most `width` lanes
 * in flight, in lane order; `slot` (< width) identifies the worker so it
 * can own scratch buffers. Rejects with the first failure.
 */
export async function runLanes(
  count: number,
  width: number,
  work: (lane: number, slot: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (slot: number): Promise<void> => {
    while (!failed && next < count) {
      const lane = next++;
      try {
        await work(lane, slot);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Math.max(1, Math.min(width, count));
  await Promise.all(Array.from({ length: workers }, (_, slot) => worker(slot)));
}

/** Receive buffers, one per (slot, peer index), grown on demand and reused. */
export class ScratchPool {
  private readonly buffers = new Map<number, Float32Array>();

  /** A buffer of exactly `length` floats for (slot, index); the same memory on every call. */
  get(slot: number, index: number, length: number): Float32Array {
    const key = slot * 65536 + index;
    let buf = this.buffers.get(key);
    if (buf === undefined || buf.length < length) {
      buf = new Float32Array(length);
      this.buffers.set(key, buf);
    }
    return buf.length === length ? buf : buf.subarray(0, length);
  }

  /** Total floats held, for diagnostics. */
  get floats(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.length;
    return n;
  }

  clear(): void {
    this.buffers.clear();
  }
}
