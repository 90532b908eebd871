/** Numbers for people: seconds as ms / s / 1m05s, bytes as kB / MB / GB, rates with k / M. */

/** 0.0123 -> "12.3 ms", 4.5 -> "4.50 s", 75 -> "1m15s", 4000 -> "1h06m". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  const a = Math.abs(s);
  if (a === 0) return '0 s';
  if (a < 1e-3) return `${(s * 1e6).toPrecision(3)} µs`;
  if (a < 1) return `${(s * 1e3).toPrecision(3)} ms`;
  if (a < 60) return `${s.toPrecision(3)} s`;
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units, as network figures are given: 720 -> "720 B", 1.5e6 -> "1.50 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < BYTE_UNITS.length - 1) {
    v /= 1000;
    u += 1;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toPrecision(3)} ${BYTE_UNITS[u]}`;
}

/** 950 -> "950", 12345 -> "12.3k", 1.4e6 -> "1.40M". */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  if (a < 1e6) return `${(n / 1e3).toPrecision(3)}k`;
  return `${(n / 1e6).toPrecision(3)}M`;
}

/** 0.96875 -> "96.88%". */
export function formatPercent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
