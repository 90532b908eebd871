/**
 * The end-of-run table from DIR/summary.json (written by the workers). Its
 * shape belongs to the runtime, so this renders any JSON: a list of records
 * (e.g. per rank) becomes a table with one column per key, other scalar
 * leaves become `key  value` rows.
 */

type Row = [string, string];

function cell(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(5);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return JSON.stringify(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function leaves(value: unknown, prefix: string, rows: Row[], tables: string[]): void {
  if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) {
    tables.push(`${prefix}\n${renderTable(value)}`);
    return;
  }
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix === '' ? k : `${prefix}.${k}`, rows, tables);
    return;
  }
  rows.push([prefix, cell(value)]);
}

/** Columns padded to the widest cell; the header row first. */
export function renderTable(records: readonly Record<string, unknown>[]): string {
  const cols = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const grid = [cols, ...records.map((r) => cols.map((c) => cell(r[c])))];
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
