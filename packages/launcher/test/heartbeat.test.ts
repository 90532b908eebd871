// Liveness over real processes: a rank that is alive but silent (SIGSTOP) is
// lost by its peers' heartbeat long before the receive timeout, and the
// launcher names the stopped rank, not the peer that gave up on it.
// Build first: npx tsc -b packages/launcher.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TRAIN_FIXTURE, cleanup, fixturePids, freePort, rankLog, startCli, survivors, tempDir, until } from './job-helpers.js';

afterEach(cleanup);

const NODES = 4;

describe('heartbeat: a stopped rank ends a job without --elastic within 15 s, named', () => {
  it('SIGSTOP one rank: the job exits 1 within 15 s (the receive timeout is 60 s) and the launcher names it', async () => {
    const out = join(tempDir(), 'run');
    const port = await freePort();
    const job = startCli(
      ['launch', '--nodes', String(NODES), '--gpus', 'none', '--algorithm', 'dsgd', '--topology', 'ring', '--timeout', '60',
        '--heartbeat', '2', '--grace', '5', '--port', String(port), '--out', out, TRAIN_FIXTURE],
      { STEPS: '100000', FIXTURE_STEP_MS: '20' },
    );
    await until('every rank to take a step', () => Array.from({ length: NODES }, (_, k) => k).every((k) => rankLog(out, k).some((x) => x.kind === 'step')), 30_000);
    const pids = fixturePids(out);
    const t0 = Date.now();
    process.kill(pids[2], 'SIGSTOP');
    const r = await job.exited;
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(1);
    expect(seconds).toBeLessThan(15);
    // The first line of the verdict names the stopped rank; its neighbours lost it by heartbeat.
    expect(r.stderr).toMatch(/dtrain: rank 2 is stopped \(SIGSTOP[^\n]*; ranks? [\d, ]*[13][\d, ]* lost it \(no heartbeat answered\)/);
    const lost = [1, 3].flatMap((k) => rankLog(out, k).filter((x) => x.kind === 'peer-lost'));
    expect(lost.some((x) => x.peer === 2 && x.cause === 'heartbeat')).toBe(true);
    expect(await survivors(pids)).toEqual([]);
  }, 60_000);
});
