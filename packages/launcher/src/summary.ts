/**
 * The end-of-run table from DIR/summary.json (written by the workers). Its
 * shape belongs to the runtime, so this renders any JSON: a list of records
 * (e.g. per rank) becomes a table with one column per key, other scalar
 * leaves become `key  value` rows. Figures are written for people, by their
 * key: `...Seconds` as ms / s, `bytes...` as kB / MB, `...Accuracy` as a
 * percentage, drop counts as one total (summary.json keeps the raw numbers).
 */
import { formatBytes, formatPercent, formatSeconds } from './human.js';

type Row = [string, string];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A table of counts by reason (dropped: {bad-mac: 0, ...}) -> "none" or "bad-mac 3, replay 1". */
function counts(v: Record<string, unknown>): string | undefined {
  const entries = Object.entries(v);
  if (entries.length === 0 || !entries.every(([, c]) => typeof c === 'number')) return undefined;
  const nonZero = entries.filter(([, c]) => c !== 0);
  return nonZero.length === 0 ? 'none' : nonZero.map(([k, c]) => `${k} ${String(c)}`).join(', ');
}

function cell(key: string, v: unknown): string {
  if (typeof v === 'number') {
    if (/Seconds$/.test(key)) return formatSeconds(v);
    if (/bytes/i.test(key)) return formatBytes(v);
    if (/Accuracy$/.test(key)) return formatPercent(v);
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
  }
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (isRecord(v)) return counts(v) ?? JSON.stringify(v);
  return JSON.stringify(v);
}

function leaves(value: unknown, prefix: string, rows: Row[], tables: string[]): void {
  if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) {
    // One segment is the whole run: its figures are already in the rows.
    if (prefix === 'segments' && value.length === 1) return;
    tables.push(`${prefix}\n${renderTable(value)}`);
    return;
  }
  if (isRecord(value) && (prefix === '' || counts(value) === undefined)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix === '' ? k : `${prefix}.${k}`, rows, tables);
    return;
  }
  rows.push([prefix, cell(prefix.slice(prefix.lastIndexOf('.') + 1), value)]);
}

/** Columns padded to the widest cell; the header row first. */
export function renderTable(records: readonly Record<string, unknown>[]): string {
  const cols = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const grid = [cols, ...records.map((r) => cols.map((c) => cell(c, r[c])))];
  const widths = cols.map((_, i) => Math.max(...grid.map((row) => row[i].length)));
  return grid.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function renderSummary(summary: unknown): string {
  const rows: Row[] = [];
  const tables: string[] = [];
  leaves(summary, '', rows, tables);
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  const kv = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  return [kv, ...tables].filter((s) => s !== '').join('\n\n');
}
