/**
 * Received frames die young.
 *
 * zeromq.js hands each received part to JavaScript as an external Buffer and
 * reports its size to V8. V8 answers external memory growth of about 64 MiB
 * with a full mark-compact, so a 97.7 MiB exchange cost one or two full
 * collections per call, each longer as the heap grows. The JavaScript objects
 * of those Buffers are young and, once combined, unreachable: a scavenge
 * (minor collection, about a millisecond on a small young generation) frees
 * them and gives the reported memory back before the threshold is reached.
 *
 * So after every SCAVENGE_BYTES of received bodies, the next receive first
 * runs a scavenge. The collector's function comes from V8's own
 * `--expose-gc`, set at run time for a fresh context only; where that is not
 * possible, nothing changes. DTRAIN_SCAVENGE=0 turns it off (for the bench).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Received bytes between two scavenges: a quarter of V8's external-memory trigger. */
export const SCAVENGE_BYTES = Number(process.env.DTRAIN_SCAVENGE_MIB ?? 16) * 1024 * 1024;

type Collect = (options: { type: 'minor'; execution: 'sync' }) => void;

let collect: Collect | null | undefined;
let pending = 0;
let runs = 0;

function collector(): Collect | null {
  if (collect !== undefined) return collect;
  collect = null;
  if (process.env.DTRAIN_SCAVENGE === '0') return collect;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    if (typeof fn === 'function') collect = fn as Collect;
  } catch {
    collect = null;
  }
  return collect;
}

/** Count `bytes` of a received body that lives in the transport's own memory. */
export function noteReceived(bytes: number): void {
  pending += bytes;
}

/** Called before a receive: scavenge when enough received memory may be garbage by now. */
export function scavengeIfDue(): void {
  if (pending < SCAVENGE_BYTES) return;
  pending = 0;
  const fn = collector();
  if (fn === null) return;
  fn({ type: 'minor', execution: 'sync' });
  runs += 1;
}

/** Scavenges run so far in this process (for diagnostics and tests). */
export function scavenges(): number {
  return runs;
}
