/**
 * Who may talk to this rank besides the job table (elastic membership):
 * ranks removed from the membership, whose frames are answered with an
 * 'excluded' goodbye; the instances that left (removed or replaced), whose
 * joins are replays; and one replay window per joining instance, since a
 * replacement numbers its control frames from 1 again.
 */
import type { Keyring } from './mac.js';
import { ReplayWindow } from './replay.js';
import type { FrameHeader } from './types.js';

/** What a join is: from a retired process, from the current one, seen before, or new. */
export type JoinVerdict = 'retired' | 'current' | 'repeat' | 'fresh';

export class Admission {
  readonly excluded = new Map<number, string>();
  private readonly retired = new Map<number, Set<string>>();
  private readonly windows = new Map<string, ReplayWindow>();

  constructor(private readonly keys: Keyring) {}

  /** True the first time `peer` is removed. */
  exclude(peer: number, why: string): boolean {
    if (this.excluded.has(peer)) return false;
    this.excluded.set(peer, why);
    this.retire(peer);
    return true;
  }

  /** `peer` is the process `inst` from now on. */
  readmit(peer: number, inst: string): void {
    this.retire(peer);
    this.keys.replace(peer, inst);
    this.excluded.delete(peer);
  }

  join(header: FrameHeader): JoinVerdict {
    if (this.retired.get(header.from)?.has(header.inst) === true) return 'retired';
    if (header.inst === this.keys.expected(header.from)) return 'current';
    const key = `${header.from}:${header.inst}`;
    let w = this.windows.get(key);
    if (w === undefined) this.windows.set(key, (w = new ReplayWindow()));
    return w.accept(header.seq) ? 'fresh' : 'repeat';
  }

  private retire(peer: number): void {
    const inst = this.keys.expected(peer);
    if (inst === undefined) return;
    let set = this.retired.get(peer);
    if (set === undefined) this.retired.set(peer, (set = new Set()));
    set.add(inst);
  }
}

/** A join's body: the address, UTF-8, padded with spaces to whole floats. */
export function addressBody(address: string): Float32Array {
  const own = Buffer.from(address, 'utf8');
  const bytes = Buffer.alloc(Math.ceil(own.length / 4) * 4, 0x20);
  own.copy(bytes);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

export function addressOf(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8').trimEnd();
}
