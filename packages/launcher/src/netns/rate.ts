/** Link rates as written for `tc` ("100mbit", "1gbit"), and the tbf shaping for them. */
import { NetnsError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12 };
/** Slowest accepted link: below this tbf's bucket arithmetic gets coarse. */
const MIN_RATE_BITS = 64_000;
/** Token bucket: at least this many bytes, more for fast links (rate/500 gives 250 KB at 1gbit). */
const MIN_BURST_BYTES = 32 * 1024;
const BURST_DIVISOR = 500;
/** How long a packet may wait in tbf's queue before it is dropped. */
export const TBF_LATENCY = '10ms';

/** "100mbit" -> 1e8 bits/s. Units are tc's decimal ones: bit, kbit, mbit, gbit, tbit. */
export function parseRate(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(raw);
  const unit = m?.[2]?.toLowerCase();
  const scale = unit === undefined ? undefined : UNITS[unit];
  if (m === null || scale === undefined) {
    throw new NetnsError('E_NETNS_ARGUMENT', `rate ${JSON.stringify(raw)} is not a number with a unit (bit, kbit, mbit, gbit, tbit); write e.g. 1gbit or 100mbit`);
  }
  const bits = Math.round(Number(m[1]) * scale);
  if (bits < MIN_RATE_BITS) {
    throw new NetnsError('E_NETNS_ARGUMENT', `rate ${JSON.stringify(raw)} is below ${MIN_RATE_BITS / 1000}kbit; give a faster rate`);
  }
  return bits;
}

/** "1gbit", "100mbit", "1.5gbit": a short form of a rate in bits/s. */
export function formatRate(bits: number): string {
  for (const [unit, scale] of [['tbit', 1e12], ['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) {
    if (bits >= scale) return `${Number((bits / scale).toFixed(3))}${unit}`;
  }
  return `${bits}bit`;
}

/** Arguments after `tc qdisc add dev IFACE root` (or `parent ...`) for a tbf at `bits`/s. */
export function tbfArgs(bits: number): string[] {
  const burst = Math.max(MIN_BURST_BYTES, Math.ceil(bits / 8 / BURST_DIVISOR));
  return ['tbf', 'rate', `${bits}bit`, 'burst', String(burst), 'latency', TBF_LATENCY];
}
