// The start-up checks of hierarchical schedules, in one process (the process tests: hierarchy-process, launch-hier).
import { describe, expect, it } from 'vitest';
import { createSchedule, type Schedule } from '@dtrain/topology';
import { init } from '../src/train/init.js';
import { verifyStartupSchedule } from '../src/train/startup.js';

describe('start-up checks of hier:<inter>', () => {
  it('the verifier checks the leaders\' pairs: 4 hosts of 2 send 4 inter-host messages per iteration over 64 iterations', () => {
    const s = createSchedule('hier:onepeer-exp', 8, { localSize: 2 });
    expect(verifyStartupSchedule(s)).toMatchObject({ iterations: 64, messages: 4 * 64 });
  });

  it('an inter-host schedule whose sends have no matching receive is refused, naming the iteration and hosts', () => {
    const good = createSchedule('hier:onepeer-exp', 8, { localSize: 2 });
    const inter = good.hierarchy?.inter as Schedule;
    // host 0 claims to send to host 2 at every iteration, which host 2 does not expect
    const broken: Schedule = { ...inter, at: (k, r) => (r === 0 ? { ...inter.at(k, 0), sendTo: [2], sendWeights: [0.5] } : inter.at(k, r)) };
    const s: Schedule = { ...good, hierarchy: { ...(good.hierarchy as NonNullable<Schedule['hierarchy']>), inter: broken } };
    expect(() => verifyStartupSchedule(s)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_SCHEDULE' }));
  });

  it('init refuses a rank whose local rank does not fit rank = host x L + local rank, before any network work', async () => {
    const env = {
      DTRAIN_RANK: '1', DTRAIN_LOCAL_RANK: '0', DTRAIN_LOCAL_WORLD_SIZE: '2', DTRAIN_WORLD_SIZE: '4',
      DTRAIN_RENDEZVOUS: '127.0.0.1:9', DTRAIN_JOB_ID: 'j', DTRAIN_SECRET: 'hierarchy-startup-secret-01', DTRAIN_TOPOLOGY: 'hier:onepeer-exp',
    };
    await expect(init({ env, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_WORKER_ENV', variable: 'DTRAIN_LOCAL_RANK' });
  });

  it('init refuses hier:<inter> when no one said how many ranks share a host', async () => {
    const env = {
      DTRAIN_RANK: '1', DTRAIN_LOCAL_RANK: '1', DTRAIN_WORLD_SIZE: '4',
      DTRAIN_RENDEZVOUS: '127.0.0.1:9', DTRAIN_JOB_ID: 'j', DTRAIN_SECRET: 'hierarchy-startup-secret-01', DTRAIN_TOPOLOGY: 'hier:onepeer-exp',
    };
    await expect(init({ env, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_TOPOLOGY_OPTION', message: expect.stringMatching(/DTRAIN_LOCAL_WORLD_SIZE/) });
  });
});
