// What `dtrain launch` prints for a real job (2 ranks, logistic regression on cpu): through
// pipes (no live line, no escape codes, eval lines from rank 0 unless --verbose, a summary in
// ms / s / kB) and on a pseudo-terminal made by util-linux `script` (the live line from the
// workers' records). Build first: npx tsc -b packages/launcher.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, LR_EXAMPLE, cleanup, freePort, startCli, startProcess, tempDir } from './job-helpers.js';

afterEach(cleanup);

const JOB = { STEPS: '100', EVAL_EVERY: '25', LOG_EVERY: '10' };

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const SCRIPT = hasScript();
if (!SCRIPT) process.stderr.write('skipped: the pseudo-terminal test needs `script` (util-linux)\n');

const evalLines = (stdout: string, rank: number): number => stdout.split('\n').filter((l) => l.startsWith(`[${rank}] `) && l.includes('"kind":"eval"')).length;

describe('dtrain launch output', () => {
  it('through pipes: raw lines, eval lines once, figures for people in the summary', async () => {
    const out = tempDir();
    const r = await startCli(['launch', '--nodes', '2', '--gpus', 'none', '--port', String(await freePort()), '--out', out, LR_EXAMPLE], JOB).exited;
    expect(r.code, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain('\x1b[');
    expect([evalLines(r.stdout, 0), evalLines(r.stdout, 1)]).toEqual([4, 0]);
    expect(r.stdout).toMatch(/^wallClockSeconds +\d+(\.\d+)? (ms|s)$/m);
    expect(r.stdout).toMatch(/^meanStepSeconds +\d+(\.\d+)? (µs|ms|s)$/m);
    expect(r.stdout).toMatch(/^finalAccuracy +\d+\.\d\d%$/m);
    expect(r.stdout).toMatch(/^0 +100 .* \d+(\.\d+)? kB /m);
    const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { wallClockSeconds: unknown; ranks: { bytesSent: unknown }[] };
    expect(typeof json.wallClockSeconds).toBe('number');
    expect(Number.isInteger(json.ranks[0].bytesSent)).toBe(true);
    // The rank logs keep every rank's eval lines.
    expect(readFileSync(join(out, 'rank-1.ndjson'), 'utf8')).toContain('"kind":"eval"');

    const verbose = await startCli(['launch', '--nodes', '2', '--gpus', 'none', '--verbose', '--port', String(await freePort()), '--out', tempDir(), LR_EXAMPLE], JOB).exited;
    expect(verbose.code).toBe(0);
    expect([evalLines(verbose.stdout, 0), evalLines(verbose.stdout, 1)]).toEqual([4, 4]);
  }, 90_000);

  it.skipIf(!SCRIPT)('on a terminal: one live line with step/total, bar, loss, samples/s and ETA from the workers', async () => {
    const out = tempDir();
    const typescript = join(tempDir(), 'tty.txt');
    const port = await freePort();
    const cmd = `${process.execPath} ${BIN} launch --nodes 2 --gpus none --port ${port} --out ${out} ${LR_EXAMPLE}`;
    const r = await startProcess('script', ['-qfec', cmd, typescript], JOB).exited;
    expect(r.code, r.stdout).toBe(0);
    const screen = readFileSync(typescript, 'utf8');
    expect(screen).toMatch(/step \d+\/100 \[[#.]{20}\] \d+% loss \d\.\d+ [\d.]+k? samples\/s ETA \d+s/);
    expect(screen).toContain('step 100/100 [####################] 100%');
    // Step records feed the live line; they do not scroll past as log lines.
    expect(screen).not.toContain('kind=step');
    expect(screen.match(/averageAccuracy=/g)?.length).toBe(4);
  }, 90_000);
});
