/**
 * What the launcher prints while a job runs. On a terminal: pretty lines with
 * a coloured rank prefix and a progress bar redrawn on stderr (lines that only
 * carry progress feed the bar instead of scrolling). Elsewhere: `[rank] raw`.
 */
import { formatPretty, formatRaw, type LogLine } from './logs.js';
import { ProgressTracker, parseProgress, renderBar } from './progress.js';

const REDRAW_MS = 100;

export class JobOutput {
  private readonly tracker = new ProgressTracker();
  private barShown = false;
  private lastDraw = 0;
  private readonly width: number;

  constructor(
    nodes: number,
    private readonly tty: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {
    this.width = String(Math.max(0, nodes - 1)).length;
  }

  line(rank: number, line: LogLine, now: number): void {
    const progress = line.kind === 'json' ? parseProgress(line.record) : null;
    if (progress !== null) this.tracker.update(rank, progress, now);
    if (!this.tty) {
      this.out.write(`${formatRaw(rank, line)}\n`);
      return;
    }
    if (progress === null) {
      this.clearBar();
      this.out.write(`${formatPretty(rank, line, this.width)}\n`);
      this.drawBar(now, true);
    } else {
      this.drawBar(now, false);
    }
  }

  private drawBar(now: number, force: boolean): void {
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    const snap = this.tracker.snapshot(now);
    if (snap === null) return;
    this.err.write(`\r\x1b[K${renderBar(snap)}`);
    this.barShown = true;
    this.lastDraw = now;
  }

  private clearBar(): void {
    if (this.barShown) this.err.write('\r\x1b[K');
    this.barShown = false;
  }

  /** Leave the last bar on its own line. */
  end(): void {
    if (this.barShown) this.err.write('\n');
    this.barShown = false;
  }
}
