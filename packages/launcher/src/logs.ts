/**
 * Worker output: every line goes raw (or wrapped, when it is not JSON) to
 * DIR/rank-<i>.ndjson, is kept in a short tail for the failure report, and is
 * formatted for the terminal: pretty with a coloured rank prefix on a TTY,
 * `[rank] raw line` otherwise.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export type StreamName = 'stdout' | 'stderr';

/** A parsed log line: a JSON object, or plain text. */
export type LogLine =
  | { kind: 'json'; raw: string; record: Record<string, unknown> }
  | { kind: 'text'; raw: string };

export function parseLine(raw: string): LogLine {
  const line = raw.replace(/\r$/, '');
  if (line.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(line);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return { kind: 'json', raw: line, record: value as Record<string, unknown> };
      }
    } catch {
      // not JSON: falls through to text
    }
  }
  return { kind: 'text', raw: line };
}

/** The NDJSON line stored for a log line: JSON passes through, text is wrapped. */
export function toNdjson(line: LogLine, stream: StreamName, now: number): string {
  if (line.kind === 'json') return line.raw;
  return JSON.stringify({ time: now, stream, msg: line.raw });
}

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93, 95, 92, 94, 91];
const HIDDEN = new Set(['msg', 'level', 'time', 'pid', 'hostname', 'rank', 'v']);
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: '', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function scalar(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(5);
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

export function rankPrefix(rank: number, width: number, color: boolean): string {
  const label = `r${String(rank).padStart(width)}`;
  return color ? `\x1b[${COLORS[rank % COLORS.length]}m${label}\x1b[0m │` : `[${rank}]`;
}

/** One line for a terminal: `r3 │ WARN message key=value ...`. */
export function formatPretty(rank: number, line: LogLine, width: number): string {
  const prefix = rankPrefix(rank, width, true);
  if (line.kind === 'text') return `${prefix} ${line.raw}`;
  const r = line.record;
  const level = typeof r.level === 'number' ? LEVELS[r.level] ?? '' : typeof r.level === 'string' ? r.level : '';
  const parts: string[] = [];
  if (level !== '') parts.push(level);
  if (typeof r.msg === 'string') parts.push(r.msg);
  for (const [k, v] of Object.entries(r)) if (!HIDDEN.has(k)) parts.push(`${k}=${scalar(v)}`);
  return `${prefix} ${parts.join(' ')}`;
}

export function formatRaw(rank: number, line: LogLine): string {
  return `[${rank}] ${line.raw}`;
}

/** One rank's log sink: the NDJSON file plus a tail of the last lines. */
export class RankLog {
  private readonly file: WriteStream;
  private readonly tailLines: string[] = [];

  constructor(
    readonly rank: number,
    path: string,
    private readonly tailSize: number,
  ) {
    this.file = createWriteStream(path, { flags: 'a' });
  }

  write(line: LogLine, stream: StreamName, now: number): void {
    this.file.write(`${toNdjson(line, stream, now)}\n`);
    this.tailLines.push(line.raw);
    if (this.tailLines.length > this.tailSize) this.tailLines.shift();
  }

  tail(): readonly string[] {
    return this.tailLines;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}
