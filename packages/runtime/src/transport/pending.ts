/**
 * A Link's frames waiting for their answer (an ack for data, a pong for a
 * ping): each settles once, on its answer, its deadline, a lost peer or
 * close, and is sent again, with the very same bytes, when the answer is
 * late (the retransmit timer doubles each time). Bytes of unanswered data
 * are counted for back-pressure.
 */

interface Entry {
  resolve(): void;
  reject(error: Error): void;
  deadline: NodeJS.Timeout;
  resend: NodeJS.Timeout | undefined;
  wait: number;
  bytes: number;
  iter: number;
  parts: Buffer[];
}

export interface PendingOptions {
  /** First retransmit delay, in ms. */
  retransmitMs: number;
  /** Sends the frame again (the same parts). */
  resend(parts: Buffer[]): void;
}

export class PendingFrames {
  private readonly entries = new Map<string, Entry>();
  /** Bytes of data frames not yet acknowledged. */
  inflight = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly o: PendingOptions) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Waits for the answer to frame `key` (`parts`); `onTimeout` makes the error when `deadline` (ms since epoch) passes. */
  expect(key: string, parts: Buffer[], iter: number, bytes: number, deadline: number, onTimeout: () => Error): Promise<void> {
    this.inflight += bytes;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(key, onTimeout()), Math.max(0, deadline - Date.now()));
      this.entries.set(key, { resolve, reject, deadline: timer, resend: undefined, wait: this.o.retransmitMs, bytes, iter, parts });
    });
  }

  /** The frame is on its way: start (or restart) its retransmit timer. */
  sent(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    clearTimeout(e.resend);
    e.resend = setTimeout(() => {
      if (!this.entries.has(key)) return;
      e.wait *= 2;
      this.o.resend(e.parts);
      this.sent(key);
    }, e.wait);
  }

  settle(key: string, error?: Error): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    clearTimeout(e.deadline);
    clearTimeout(e.resend);
    this.inflight -= e.bytes;
    this.wake();
    if (error === undefined) e.resolve();
    else e.reject(error);
  }

  /** Sends every unanswered frame again now (after a reconnect: what was on the old connection may be gone). */
  resendAll(): void {
    for (const [key, e] of this.entries) {
      this.o.resend(e.parts);
      this.sent(key);
    }
  }

  /** Rejects every entry with `error(iter)`. */
  failAll(error: (iter: number) => Error): void {
    for (const [key, e] of [...this.entries]) this.settle(key, error(e.iter));
    this.wake();
  }

  /** Resolves when in-flight bytes change (or at `deadline`). */
  changed(deadline: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
