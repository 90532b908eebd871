// tfjs's own callback objects in dtrain's fit: tf.callbacks.earlyStopping on one rank of two
// stops both after the same step (a collective vote at each epoch's end), so none waits for a
// peer that stopped. Real job: the fit fixture under `dtrain launch`. Build first: npx tsc -b packages/launcher.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIT_FIXTURE, cleanup, freePort, rankLog, startCli, tempDir } from './job-helpers.js';

afterEach(cleanup);

describe('tf.callbacks.earlyStopping', () => {
  it('stops every rank after the epoch where one rank\'s callback asked', async () => {
    const out = tempDir();
    const r = await startCli(['launch', '--nodes', '2', '--gpus', 'none', '--port', String(await freePort()), '--out', out, FIT_FIXTURE], {
      FIXTURE_EARLY_STOP_RANK: '1', EPOCHS: '5', CKPT_EVERY: '0',
    }).exited;
    expect(r.code, r.stderr).toBe(0);
    // 16 steps an epoch; patience 1 with minDelta 10 stops rank 1 after its second epoch.
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { steps: number; ranks: { steps: number }[] };
    expect([s.steps, s.ranks.map((x) => x.steps)]).toEqual([32, [32, 32]]);
    for (const rank of [0, 1]) {
      expect(rankLog(out, rank).filter((l) => l.kind === 'stop').map((l) => [l.step, l.ranks])).toEqual([[32, 1]]);
    }
    expect(r.stdout).toContain('fixture: rank 0 history epochs [0,1]');
  }, 60_000);
});
