/** What a membership is made of (membership.ts): departures, replacements, the counts that name it. */
import { ElasticError } from '../errors.js';

/** A rank that left, and why. */
export interface Departure {
  readonly rank: number;
  /** A transport LostCause, 'timeout', or 'reported' (another member lost it). */
  readonly cause: string;
  readonly why: string;
}

/** A replacement's process, as its join said. */
export interface Joiner {
  readonly rank: number;
  readonly inst: string;
  readonly address: string;
}

/** The counts that identify a membership (what a replacement is handed). */
export interface MembershipState {
  readonly gone: readonly number[];
  readonly back: readonly number[];
}

/** A membership the members agreed on. */
export interface Installed {
  /** Job ranks, ascending. */
  readonly members: readonly number[];
  readonly epoch: number;
  /** The first iteration the members run together. */
  readonly step: number;
  readonly left: readonly Departure[];
  /** Replacements taken back in (they wait for their handover). */
  readonly joined: readonly Joiner[];
  readonly state: MembershipState;
  /** Seconds from this rank's first sign of the change to the agreement. */
  readonly agreeSeconds: number;
}

export function sum(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0);
}

export function same(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v, i) => v === b[i]);
}

/** Counts per rank as a list with each rank repeated its count times, ascending. */
export function expand(c: readonly number[]): number[] {
  return c.flatMap((n, r) => new Array<number>(n).fill(r));
}

export function counts(list: readonly number[], size: number): number[] {
  const c = new Array<number>(size).fill(0);
  for (const r of list) c[r] = c[r]! + 1;
  return c;
}

/** Why `next` cannot go on from `members` (half or fewer left, or below minNodes), if it cannot. */
export function quorumError(rank: number, members: readonly number[], next: readonly number[], why: string, minNodes: number): ElasticError | undefined {
  const gone = members.filter((r) => !next.includes(r)).join(', ');
  if (next.length * 2 <= members.length) {
    return new ElasticError('E_ELASTIC_QUORUM', `rank ${rank}: only ${next.length} of the ${members.length} members are left (${gone} lost: ${why}); half or fewer cannot go on, since a partition looks the same as deaths and the other side may be training`);
  }
  if (next.length < minNodes) {
    return new ElasticError('E_ELASTIC_MIN_NODES', `rank ${rank}: ${next.length} ranks are left, fewer than --min-nodes ${minNodes} (${gone} lost: ${why}); the job stops`);
  }
  return undefined;
}

/** Resolves after `ms`, or when one of `wakers` (called and emptied by the owner) fires first. */
export function sleepOrWake(ms: number, wakers: (() => void)[]): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wakers.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
