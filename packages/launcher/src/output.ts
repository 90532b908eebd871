/**
 * What the launcher prints while a job runs (every line of every rank is in
 * DIR/rank-<i>.ndjson whatever is shown here):
 *   - when stderr is a terminal, one live line there (live-line.ts) from the
 *     step records;
 *   - when stdout is a terminal, lines pretty with a coloured rank prefix
 *     (above the live line when there is one, and then lines that only
 *     carry progress feed it instead of scrolling); elsewhere `[rank] raw
 *     line` on stdout;
 *   - less noise unless `verbose`: eval records only from rank 0 (every
 *     rank evaluates the same average model).
 */
import { formatPretty, formatRaw, type LogLine } from './logs.js';
import { LiveLine } from './live-line.js';
import { ProgressTracker, parseProgress } from './progress.js';

export interface OutputStreams {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

export interface OutputOptions {
  /** Show every rank's eval lines (default: rank 0's). */
  verbose?: boolean;
}

/** Lines the terminal skips without --verbose (the rank logs keep them). */
export function quiet(rank: number, line: LogLine): boolean {
  return rank !== 0 && line.kind === 'json' && line.record.kind === 'eval';
}

export class JobOutput {
  private readonly tracker = new ProgressTracker();
  private readonly live: LiveLine | undefined;
  private readonly pretty: boolean;
  private readonly width: number;

  constructor(
    nodes: number,
    private readonly streams: OutputStreams = { out: process.stdout, err: process.stderr },
    private readonly options: OutputOptions = {},
  ) {
    this.width = String(Math.max(0, nodes - 1)).length;
    // The check is on the stream each thing goes to: the live line to stderr, the lines to stdout.
    this.live = streams.err.isTTY === true ? new LiveLine(streams.err) : undefined;
    this.pretty = streams.out.isTTY === true;
  }

  line(rank: number, line: LogLine, now: number): void {
    const progress = line.kind === 'json' ? parseProgress(line.record) : null;
    if (progress !== null) {
      this.tracker.update(rank, progress, now);
      const snap = this.tracker.snapshot(now);
      if (snap !== null) this.live?.show(snap);
      if (this.pretty && this.live !== undefined) return;
    }
    if (this.options.verbose !== true && quiet(rank, line)) return;
    if (!this.pretty) this.streams.out.write(`${formatRaw(rank, line)}\n`);
    else if (this.live !== undefined) this.live.log(formatPretty(rank, line, this.width));
    else this.streams.out.write(`${formatPretty(rank, line, this.width)}\n`);
  }

  /** Leave the last live line on its own line. */
  end(): void {
    this.live?.end();
  }
}
