/** Parsing of the simulator's quantities: link rates (25gbit) and counts (25.5M). */
import { UsageError } from '../errors.js';

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12, bps: 1, kbps: 1e3, mbps: 1e6, gbps: 1e9 };

/** '25gbit', '1Gbit', '100mbit', '10gbps', '2.5e9' (bits/s) -> bits per second. */
export function parseRate(flag: string, raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*(?:\/s)?\s*$/i.exec(raw);
  const unit = m?.[2].toLowerCase() ?? '';
  const factor = unit === '' ? 1 : RATE_UNITS[unit];
  const value = m === null || factor === undefined ? Number.NaN : Number(m[1]) * factor;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a link rate; write e.g. ${flag} 25gbit (units: bit, kbit, mbit, gbit)`);
  }
  return value;
}

/** '25.5M', '1.2k', '3e6', '100000' -> a positive number. */
export function parseCount(flag: string, raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgKMG]?)\s*$/.exec(raw);
  const factor = m === null ? Number.NaN : ({ '': 1, k: 1e3, m: 1e6, g: 1e9 } as Record<string, number>)[m[2].toLowerCase()];
  const value = m === null ? Number.NaN : Number(m[1]) * factor;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a positive count; write e.g. ${flag} 25.5M`);
  }
  return value;
}

/** A non-negative decimal. */
export function parseNumber(flag: string, raw: string): number {
  const t = raw.trim();
  if (!/^\d+(\.\d+)?(e-?\d+)?$/.test(t)) throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a non-negative number; write e.g. ${flag} 50`);
  return Number(t);
}

/** 'gbit/s' style display of a rate. */
export function formatRate(bitsPerSecond: number): string {
  const [v, u] = bitsPerSecond >= 1e9 ? [bitsPerSecond / 1e9, 'Gbit/s'] : bitsPerSecond >= 1e6 ? [bitsPerSecond / 1e6, 'Mbit/s'] : [bitsPerSecond / 1e3, 'kbit/s'];
  return `${v.toPrecision(4)} ${u}`;
}
