import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RENDEZVOUS_PORT,
  WorkerEnvError,
  firstSlurmHost,
  normalizeWorkerEnv,
  readWorkerEnv,
  workerEnvToVars,
  type WorkerEnvSpec,
} from '@dtrain/runtime';

const SECRET = '0123456789abcdef0123';

function expectEnvError(f: () => unknown, variable: string): WorkerEnvError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(WorkerEnvError);
    const e = err as WorkerEnvError;
    expect(e.code).toBe('E_WORKER_ENV');
    expect(e.variable).toBe(variable);
    expect(e.message).toContain(variable);
    return e;
  }
  throw new Error(`expected a WorkerEnvError for ${variable}`);
}

describe('native DTRAIN_* contract', () => {
  it('readWorkerEnv inverts workerEnvToVars for many specs', () => {
    let s = 7;
    const rnd = (n: number): number => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % n);
    for (let t = 0; t < 50; t++) {
      const worldSize = 1 + rnd(64);
      const spec: WorkerEnvSpec = {
        rank: rnd(worldSize),
        localRank: rnd(8),
        worldSize,
        rendezvous: { host: t % 5 === 0 ? 'fe80::1' : `node${rnd(100)}`, port: 1 + rnd(65535) },
        jobId: `job-${t}`,
        secret: SECRET,
        options: t % 2 === 0 ? { algorithm: 'dsgd', topology: 'ring', seed: rnd(1000), timeoutMs: 5000, globalAvgPeriod: 1 + rnd(9), out: '/tmp/o' } : {},
      };
      expect(readWorkerEnv(workerEnvToVars(spec))).toEqual({ ...spec, source: 'dtrain' });
    }
  });

  it('names the variable: missing, non-integer, rank out of range, bad rendezvous, short secret', () => {
    const ok = workerEnvToVars({ rank: 1, localRank: 0, worldSize: 2, rendezvous: { host: 'h', port: 1 }, jobId: 'j', secret: SECRET, options: {} });
    expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_WORLD_SIZE: undefined }), 'DTRAIN_WORLD_SIZE');
    expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_WORLD_SIZE: '2.5' }), 'DTRAIN_WORLD_SIZE');
    expect(expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_RANK: '2' }), 'DTRAIN_RANK').message).toContain('0..1');
    expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_RENDEZVOUS: 'h:99999' }), 'DTRAIN_RENDEZVOUS');
    expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_RENDEZVOUS: 'h' }), 'DTRAIN_RENDEZVOUS');
    expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_SEED: '-1' }), 'DTRAIN_SEED');
    const short = expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_SECRET: 'abc' }), 'DTRAIN_SECRET');
    expect(short.message).not.toContain('abc');
    expectEnvError(() => readWorkerEnv({}), 'DTRAIN_RANK');
  });
});

describe('other engines', () => {
  const torch = { RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', MASTER_ADDR: 'n0', MASTER_PORT: '29500', DTRAIN_SECRET: SECRET };

  it('torchrun: rank 0 listens one above MASTER_PORT (torchrun keeps its store there)', () => {
    const e = readWorkerEnv(torch);
    expect(e).toMatchObject({ source: 'torchrun', rank: 3, worldSize: 4, localRank: 1, rendezvous: { host: 'n0', port: 29501 } });
    expect(readWorkerEnv({ ...torch, DTRAIN_PORT: '4000' }).rendezvous.port).toBe(4000);
    expect(readWorkerEnv({ ...torch, DTRAIN_RENDEZVOUS: 'x:5' }).rendezvous).toEqual({ host: 'x', port: 5 });
  });

  it('an engine never derives the secret: torchrun, Slurm and K8s without DTRAIN_SECRET are refused', () => {
    const e = expectEnvError(() => readWorkerEnv({ ...torch, DTRAIN_SECRET: undefined }), 'DTRAIN_SECRET');
    expect(e.message).toContain('torchrun');
    expectEnvError(() => readWorkerEnv({ SLURM_PROCID: '0', SLURM_NTASKS: '2', SLURM_JOB_NODELIST: 'a', SLURM_JOB_ID: '9' }), 'DTRAIN_SECRET');
    expectEnvError(() => readWorkerEnv({ JOB_COMPLETION_INDEX: '0', DTRAIN_WORLD_SIZE: '2', DTRAIN_RENDEZVOUS: 'a:1', DTRAIN_JOB_ID: 'j' }), 'DTRAIN_SECRET');
  });

  it('Slurm: rank from SLURM_PROCID, rendezvous on the first node of the list', () => {
    const slurm = { SLURM_PROCID: '5', SLURM_NTASKS: '8', SLURM_LOCALID: '1', SLURM_JOB_NODELIST: 'gpu[07-10,12],cpu1', SLURM_JOB_ID: '42', DTRAIN_SECRET: SECRET };
    expect(readWorkerEnv(slurm)).toMatchObject({
      source: 'slurm', rank: 5, worldSize: 8, localRank: 1, jobId: 'slurm-42', rendezvous: { host: 'gpu07', port: DEFAULT_RENDEZVOUS_PORT },
    });
    expect(readWorkerEnv({ ...slurm, MASTER_ADDR: 'head', MASTER_PORT: '7000' }).rendezvous).toEqual({ host: 'head', port: 7000 });
    expectEnvError(() => readWorkerEnv({ ...slurm, SLURM_NTASKS: '5' }), 'SLURM_PROCID');
  });

  it.each([
    ['node1', 'node1'],
    ['node[3-5]', 'node3'],
    ['a[01,04],b2', 'a01'],
    ['x-1.cluster,y', 'x-1.cluster'],
  ])('first host of %s is %s', (list, host) => expect(firstSlurmHost(list)).toBe(host));

  it('Kubernetes Indexed Job: rank from JOB_COMPLETION_INDEX, the rest from DTRAIN_*', () => {
    const pod = { JOB_COMPLETION_INDEX: '2', DTRAIN_WORLD_SIZE: '3', DTRAIN_RENDEZVOUS: 'j-0.j:29600', DTRAIN_JOB_ID: 'j', DTRAIN_SECRET: SECRET };
    expect(readWorkerEnv(pod)).toMatchObject({ source: 'k8s', rank: 2, worldSize: 3, rendezvous: { host: 'j-0.j', port: 29600 } });
    expectEnvError(() => readWorkerEnv({ ...pod, DTRAIN_WORLD_SIZE: undefined }), 'DTRAIN_WORLD_SIZE');
  });

  it('normalizeWorkerEnv turns any engine into native variables that read back the same', () => {
    const vars = normalizeWorkerEnv({ ...torch, DTRAIN_TOPOLOGY: 'exponential' });
    expect(vars).toMatchObject({ DTRAIN_RANK: '3', DTRAIN_WORLD_SIZE: '4', DTRAIN_RENDEZVOUS: 'n0:29501', DTRAIN_TOPOLOGY: 'exponential' });
    const again = readWorkerEnv(vars);
    expect({ ...again, source: 'torchrun' }).toEqual(readWorkerEnv({ ...torch, DTRAIN_TOPOLOGY: 'exponential' }));
  });
});

describe('launcher defaults are the contract\'s', () => {
  it('dtrain launch hands workers what a worker started by hand would use', async () => {
    const contract = await import('@dtrain/runtime/contract');
    const launcher = await import('../src/constants.js');
    expect(launcher.DEFAULT_TOPOLOGY).toBe(contract.DEFAULT_TOPOLOGY);
    expect(launcher.DEFAULT_ALGORITHM).toBe(contract.DEFAULT_ALGORITHM);
    expect(launcher.DEFAULT_SEED).toBe(contract.DEFAULT_SEED);
    expect(launcher.DEFAULT_PORT).toBe(contract.DEFAULT_RENDEZVOUS_PORT);
    expect(launcher.DEFAULT_TIMEOUT_S * 1000).toBe(contract.DEFAULT_TIMEOUT_MS);
  });
});

describe('ranks per host (DTRAIN_LOCAL_WORLD_SIZE)', () => {
  const ok = {
    DTRAIN_RANK: '3', DTRAIN_LOCAL_RANK: '1', DTRAIN_WORLD_SIZE: '4', DTRAIN_RENDEZVOUS: 'h:1', DTRAIN_JOB_ID: 'j', DTRAIN_SECRET: SECRET,
  };

  it('round-trips, and is absent when unset', () => {
    const spec: WorkerEnvSpec = { rank: 3, localRank: 1, localWorldSize: 2, worldSize: 4, rendezvous: { host: 'h', port: 1 }, jobId: 'j', secret: SECRET, options: {} };
    expect(workerEnvToVars(spec).DTRAIN_LOCAL_WORLD_SIZE).toBe('2');
    expect(readWorkerEnv(workerEnvToVars(spec))).toEqual({ ...spec, source: 'dtrain' });
    expect(readWorkerEnv(ok).localWorldSize).toBeUndefined();
  });

  it("torchrun's LOCAL_WORLD_SIZE is read too", () => {
    const torch = { RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: 'n0', MASTER_PORT: '29500', DTRAIN_SECRET: SECRET };
    expect(readWorkerEnv(torch).localWorldSize).toBe(2);
  });

  it('refuses a value not above the local rank, above the world size, or not an integer', () => {
    expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_LOCAL_WORLD_SIZE: '1' }), 'DTRAIN_LOCAL_WORLD_SIZE');
    expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_LOCAL_WORLD_SIZE: '5' }), 'DTRAIN_LOCAL_WORLD_SIZE');
    expectEnvError(() => readWorkerEnv({ ...ok, DTRAIN_LOCAL_WORLD_SIZE: 'two' }), 'DTRAIN_LOCAL_WORLD_SIZE');
  });
});
