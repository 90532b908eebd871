// What the launcher shows while a job runs: the live line on a terminal (cli-progress on a fake
// TTY stream), eval lines once (rank 0) unless --verbose, and a summary with figures for people.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeEval } from '@dtrain/runtime/contract';
import { formatBytes, formatCount, formatSeconds } from '../src/human.js';
import { parseLine } from '../src/logs.js';
import { JobOutput } from '../src/output.js';
import { renderSummary } from '../src/summary.js';
import { runSummary, stepLine } from '../../../test-utils/index.js';

/** A stream that keeps what is written; `tty` makes it look like a terminal 100 columns wide. */
function sink(tty: boolean): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(w, { isTTY: tty, columns: 100, text: () => text });
  return w;
}

const stepRecord = (k: number): string => JSON.stringify({ level: 30, rank: 0, ...stepLine({ step: k, loss: 0.5, elapsedSeconds: k / 10, totalSteps: 100, samplesPerSec: 2500 }) });
const evalRecord = (rank: number): string => JSON.stringify({ level: 30, rank, ...encodeEval({ step: 50, localAccuracy: 0.9, averageAccuracy: 0.91, consensusDistance: 0.01 }) });

function feed(output: JobOutput): void {
  for (let k = 1; k <= 50; k++) for (const rank of [0, 1]) output.line(rank, parseLine(stepRecord(k)), k * 100);
  output.line(0, parseLine(evalRecord(0)), 5000);
  output.line(1, parseLine(evalRecord(1)), 5000);
  output.line(1, parseLine('plain text from rank 1'), 5000);
  output.end();
}

describe('JobOutput', () => {
  it('on terminals: one live line on stderr with step/total, bar, loss, rate and ETA; lines above it; eval from rank 0 only', () => {
    const out = sink(true);
    const err = sink(true);
    feed(new JobOutput(2, { out, err }));
    const shown = err.text();
    expect(shown).toMatch(/step 50\/100 \[#{10}\.{10}\] 50% loss 0\.5000 5\.00k samples\/s ETA 5s/);
    expect(shown).toContain('r1\x1b[0m │ plain text from rank 1');
    expect(shown.match(/averageAccuracy=/g)).toHaveLength(1);
    // Step records feed the live line instead of scrolling.
    expect(shown).not.toContain('kind=step');
    expect(out.text()).toBe('');
  });

  it('--verbose shows every rank\'s eval lines', () => {
    const out = sink(true);
    const err = sink(true);
    feed(new JobOutput(2, { out, err }, { verbose: true }));
    expect(err.text().match(/averageAccuracy=/g)).toHaveLength(2);
  });

  it('the TTY check is on the stream each thing goes to', () => {
    // stderr a terminal, stdout a file: raw lines on stdout, the live line on stderr.
    const out = sink(false);
    const err = sink(true);
    feed(new JobOutput(2, { out, err }));
    expect(err.text()).toContain('step 50/100');
    expect(out.text()).toContain('[1] plain text from rank 1');
    expect(out.text()).not.toContain('\x1b[');
    // stdout a terminal, stderr not: no live line anywhere, pretty lines on stdout.
    const out2 = sink(true);
    const err2 = sink(false);
    feed(new JobOutput(2, { out: out2, err: err2 }));
    expect(err2.text()).toBe('');
    expect(out2.text()).toContain('plain text from rank 1');
    expect(out2.text()).not.toContain('[####');
  });
});

describe('figures for people', () => {
  it('seconds, bytes and rates', () => {
    expect([formatSeconds(0.01234), formatSeconds(4.5), formatSeconds(75), formatSeconds(0)]).toEqual(['12.3 ms', '4.50 s', '1m15s', '0 s']);
    expect([formatBytes(720), formatBytes(1_500_000), formatBytes(2.5e9)]).toEqual(['720 B', '1.50 MB', '2.50 GB']);
    expect([formatCount(950), formatCount(12345), formatCount(1.4e6)]).toEqual(['950', '12.3k', '1.40M']);
  });

  it('the summary table formats by key; drop counts collapse to one cell', () => {
    const s = runSummary({ wallClockSeconds: 12.3456, meanStepSeconds: 0.0123, finalAccuracy: 0.9687 });
    const text = renderSummary({ ...s, dropped: { 'bad-mac': 0, replay: 2 }, ranks: [{ rank: 0, steps: 10, meanStepSeconds: 0.5, meanCommSeconds: 0.25, bytesSent: 15_000_000, localAccuracy: 0.5, finalLoss: 0.1 }] });
    expect(text).toMatch(/^wallClockSeconds +12\.3 s$/m);
    expect(text).toMatch(/^meanStepSeconds +12\.3 ms$/m);
    expect(text).toMatch(/^finalAccuracy +96\.87%$/m);
    expect(text).toMatch(/^dropped +replay 2$/m);
    expect(text).toMatch(/^0 +10 +500 ms +250 ms +15\.0 MB +50\.00% +0\.1$/m);
  });
});
