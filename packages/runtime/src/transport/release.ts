/**
 * Received frames freed while they are young.
 *
 * zeromq.js hands every received part above 128 bytes to JavaScript as an
 * external Buffer over libzmq's own allocation, and reports its size to V8
 * twice (once for the ArrayBuffer, once by hand). Such a Buffer is freed only
 * when a collection finds it dead. The program allocates almost nothing on
 * the JavaScript heap while it streams a vector, so no scavenge comes on its
 * own, and V8 answers the external bytes (about every 64 MiB reported) with
 * full mark-compacts that also sweep every surviving frame: 2-3 per 97.7 MiB
 * exchange, 30-45 ms of a 170 ms exchange on this 2-core machine.
 *
 * A scavenge every RELEASE_EVERY_BYTES of received bodies frees the frames
 * the communicator has already combined while they are still in the young
 * generation, at the cost of a young-generation collection (under 1 ms here;
 * a scavenge visits only live young objects). The glibc settings the
 * launcher gives every worker then hand the same memory to the next frame.
 * Measured with `dtrain bench comm` (docs/benchmarks.md): collection time per
 * exchange 44 -> 9-13 ms, CPU per exchange 25% lower.
 *
 * It needs V8's gc() function. The flag that exposes it is set once, and the
 * function is read from a fresh context, so the program's global scope gains
 * nothing. DTRAIN_RELEASE_MIB=0 turns it off.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TransportError } from '../errors.js';

/** Received body bytes between two scavenges (default 16 MiB: four 4 MiB frames). */
export const RELEASE_EVERY_BYTES = 16 * 1024 * 1024;
/** zeromq.js copies parts up to this size into an ordinary Buffer; larger ones are external. */
const EXTERNAL_PART_BYTES = 128;

type Collect = (options: { type: 'minor'; execution: 'sync' }) => void;
let collect: Collect | null | undefined;

/** V8's gc(), or null where this runtime has none. */
function collector(): Collect | null {
  if (collect !== undefined) return collect;
  try {
    const own = (globalThis as { gc?: unknown }).gc;
    let fn: unknown = own;
    if (typeof fn !== 'function') {
      setFlagsFromString('--expose-gc');
      fn = runInNewContext('gc');
    }
    collect = typeof fn === 'function' ? (fn as Collect) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** One synchronous young-generation collection (nothing where the runtime has no gc()). */
function scavenge(): void {
  collector()?.({ type: 'minor', execution: 'sync' });
}

/** The interval from DTRAIN_RELEASE_MIB (MiB; 0: off), or the default. */
export function releaseEveryBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DTRAIN_RELEASE_MIB;
  if (raw === undefined || raw === '') return RELEASE_EVERY_BYTES;
  const mib = Number(raw);
  if (!Number.isFinite(mib) || mib < 0) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `DTRAIN_RELEASE_MIB=${JSON.stringify(raw)} is not a number of MiB >= 0; write DTRAIN_RELEASE_MIB=16, or 0 to turn it off`);
  }
  return Math.round(mib * 1024 * 1024);
}

/** Counts received external bytes and collects the young generation every `everyBytes`. */
export class FrameRelease {
  private since = 0;
  private bodies = 0;
  private bytes = 0;
  private scavenges = 0;

  /** `collect`: the young-generation collection (default V8's; tests count calls instead). */
  constructor(
    private readonly everyBytes: number,
    private readonly collect: () => void = scavenge,
  ) {}

  stats(): { bodies: number; bytes: number; scavenges: number } {
    return { bodies: this.bodies, bytes: this.bytes, scavenges: this.scavenges };
  }

  /** A received body of `bytes` the caller has finished with. */
  done(bytes: number): void {
    if (this.everyBytes <= 0 || bytes <= EXTERNAL_PART_BYTES) return;
    this.bodies += 1;
    this.bytes += bytes;
    this.since += bytes;
    if (this.since < this.everyBytes) return;
    // Carry the excess, so the count is floor(bytes / everyBytes) in any release order (bodies below everyBytes).
    this.since = (this.since - this.everyBytes) % this.everyBytes;
    this.collect();
    this.scavenges += 1;
  }
}
