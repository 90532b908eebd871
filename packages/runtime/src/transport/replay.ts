/**
 * Replay protection: one sliding window per (peer, sequence space). A
 * number is accepted once; numbers may arrive out of order within the
 * window (a retransmitted frame after a dropped one), and anything older
 * than the window is refused. Only authenticated frames are offered here.
 */
import type { Space } from './mac.js';

/** How many sequence numbers below the highest one are still tracked. */
export const REPLAY_WINDOW = 1024;

export class ReplayWindow {
  private highest = 0;
  private readonly seen = new Uint8Array(REPLAY_WINDOW);

  /** True (and remembered) the first time `seq` is offered; false for a replay or a number below the window. */
  accept(seq: number): boolean {
    if (seq > this.highest) {
      const clear = Math.min(seq - this.highest, REPLAY_WINDOW);
      for (let k = 1; k <= clear; k++) this.seen[(this.highest + k) % REPLAY_WINDOW] = 0;
      this.highest = seq;
      this.seen[seq % REPLAY_WINDOW] = 1;
      return true;
    }
    if (seq <= this.highest - REPLAY_WINDOW || seq <= 0) return false;
    const slot = seq % REPLAY_WINDOW;
    if (this.seen[slot] === 1) return false;
    this.seen[slot] = 1;
    return true;
  }
}

/** Windows keyed by peer and space, made on first use. */
export class ReplayGuard {
  private readonly windows = new Map<string, ReplayWindow>();

  accept(peer: number, space: Space, seq: number): boolean {
    const key = `${peer}:${space}`;
    let w = this.windows.get(key);
    if (w === undefined) {
      w = new ReplayWindow();
      this.windows.set(key, w);
    }
    return w.accept(seq);
  }

  /** A new process of `peer` numbers from 1 again: drop its windows. */
  forget(peer: number): void {
    for (const key of [...this.windows.keys()]) if (key.startsWith(`${peer}:`)) this.windows.delete(key);
  }
}
