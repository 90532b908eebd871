/**
 * The membership notice (docs/elastic.md): what a rank tells every member it
 * still counts while the members agree on a new membership. It travels as an
 * ordinary data frame (MACed, numbered, acknowledged) on an iteration above
 * every training iteration, so the transport's stale-iteration cleanup never
 * drops it, one tag per notice and sender (1, 2, 3, ...).
 *
 * Body (float64 numbers, bit-exact through encodeF64):
 *   [NOTICE_VERSION, k, d, dead_1 .. dead_d, j, joined_1 .. joined_j]
 * k: the iterations this rank has completed; dead: every rank it counts as
 * removed, ascending; joined: the ranks taken back in (replacements), each
 * once per return, ascending.
 */
import { decodeF64, encodeF64 } from '../comm/combine.js';

/** The iteration notices travel on: above any training iteration, below 2^53. */
export const NOTICE_ITER = 2 ** 52;
export const NOTICE_VERSION = 1;

export interface Notice {
  /** Iterations the sender has completed (the next one it would run). */
  readonly k: number;
  /** Ranks it counts as removed, ascending. */
  readonly dead: readonly number[];
  /** Returns it counts (a rank taken back in, once per return), ascending. */
  readonly joined: readonly number[];
}

export function encodeNotice(n: Notice): Float32Array {
  return encodeF64([NOTICE_VERSION, n.k, n.dead.length, ...n.dead, n.joined.length, ...n.joined]);
}

const isCount = (v: number | undefined): v is number => v !== undefined && Number.isSafeInteger(v) && v >= 0;

/** The notice in `body`, or undefined when it is none (another version, a malformed list). */
export function decodeNotice(body: Float32Array, size: number): Notice | undefined {
  if (body.length % 2 !== 0) return undefined;
  const v = Array.from(decodeF64(body));
  if (v[0] !== NOTICE_VERSION || !isCount(v[1]) || !isCount(v[2])) return undefined;
  const d = v[2];
  const dead = v.slice(3, 3 + d);
  const j = v[3 + d];
  if (!isCount(j) || v.length !== 4 + d + j) return undefined;
  const joined = v.slice(4 + d);
  const ranks = [...dead, ...joined];
  if (!ranks.every((r) => isCount(r) && r < size)) return undefined;
  return { k: v[1], dead, joined };
}

/** The identity of a membership: who is removed and who came back (equal keys, equal members). */
export function membershipKey(dead: readonly number[], joined: readonly number[]): string {
  return `${dead.join(',')}|${joined.join(',')}`;
}
