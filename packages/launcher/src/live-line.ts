/**
 * The one live line on a terminal: `step 120/1000 [####......] 12% loss
 * 0.4321 4096 samples/s ETA 1m20s`, redrawn in place by cli-progress
 * (a MultiBar with one bar: its log() prints lines above the bar, and its
 * stop() leaves the cursor where the output ends). The figures are ours
 * (progress.ts: the slowest rank's step, the ETA from the workers' clocks).
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import { renderBar, type ProgressSnapshot } from './progress.js';

const BAR_WIDTH = 20;

interface Payload {
  snap: ProgressSnapshot;
}

export class LiveLine {
  private readonly multi: MultiBar;
  private bar: SingleBar | undefined;

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new MultiBar({
      stream,
      fps: 10,
      barsize: BAR_WIDTH,
      barCompleteChar: '#',
      barIncompleteChar: '.',
      hideCursor: false,
      gracefulExit: false,
      clearOnComplete: false,
      stopOnComplete: false,
      forceRedraw: true,
      // Keep the terminal's wrapping on (a launcher killed mid-run must not leave it off); the line is cut to the width instead.
      linewrap: true,
      format: (_options, params, payload: Payload) => renderBar(payload.snap, BAR_WIDTH).slice(0, Math.max(20, params.maxWidth - 1)),
    });
  }

  show(snap: ProgressSnapshot): void {
    const payload: Payload = { snap };
    if (this.bar === undefined) this.bar = this.multi.create(snap.totalSteps ?? 0, snap.step, payload);
    else {
      if (snap.totalSteps !== undefined) this.bar.setTotal(snap.totalSteps);
      this.bar.update(snap.step, payload);
    }
  }

  /** A line printed above the live one (at its next redraw, within 0.1 s). */
  log(text: string): void {
    this.multi.log(`${text}\n`);
  }

  /** Print what is pending, leave the last bar on its own line. */
  end(): void {
    this.multi.update();
    this.multi.stop();
  }
}
