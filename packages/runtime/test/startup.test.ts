// init()'s startup checks (startup.ts) and process watch (parent-watch.ts), in one process.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createSchedule, type Schedule } from '@dtrain/topology';
import { createMemoryNetwork } from '../src/transport/memory.js';
import { runStartupChecks, startupHorizon, startupPeers, scheduleNeighbours, verifyStartupSchedule } from '../src/train/startup.js';
import { readParentPid, watchProcess } from '../src/train/parent-watch.js';

describe('startup horizon and peers', () => {
  it('checks one iteration of a static schedule, max(64, 4n) of a time-varying one, capped for large n', () => {
    expect(startupHorizon(createSchedule('ring', 8))).toBe(1);
    expect(startupHorizon(createSchedule('onepeer-exp', 8))).toBe(64);
    expect(startupHorizon(createSchedule('onepeer-exp', 32))).toBe(128);
    expect(startupHorizon(createSchedule('onepeer-exp', 512))).toBe(64);
  });

  it('includes every schedule neighbour over the horizon, the ring neighbours, and (allgather) every other rank', () => {
    const s = createSchedule('onepeer-exp', 8, { seed: 1 });
    const mine = scheduleNeighbours(s, 5, 64);
    // One-peer exponential on 8 nodes: rank 5 talks to 5 +- 2^t mod 8 over a period.
    expect([...mine].sort()).toEqual([1, 3, 4, 6, 7]);
    expect(startupPeers(s, 5, 64)).toEqual([0, 1, 2, 3, 4, 6, 7]);
  });

  it('refuses a schedule whose sends have no matching receive, naming the iteration and ranks', () => {
    const good = createSchedule('onepeer-exp', 4);
    const broken: Schedule = {
      ...good,
      matrix: (k) => good.matrix(k),
      at: (k, r) => (k === 3 && r === 1 ? { ...good.at(k, r), recvFrom: [], recvWeights: [] } : good.at(k, r)),
    };
    expect(() => verifyStartupSchedule(broken)).toThrow(expect.objectContaining({ code: 'E_TOPOLOGY_SCHEDULE', message: expect.stringMatching(/iteration 3/) }));
  });
});

describe('runStartupChecks over the in-memory transport', () => {
  it('passes when every rank checks, and names the pair when one rank is gone', async () => {
    const s = createSchedule('onepeer-exp', 4);
    const ok = createMemoryNetwork(4, { timeoutMs: 2000 });
    const reports = await Promise.all(ok.map((t) => runStartupChecks(t, s)));
    expect(reports.map((r) => r.peers)).toEqual([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]]);
    expect(reports[0].iterations).toBe(64);

    const net = createMemoryNetwork(4, { timeoutMs: 300 });
    await net[3].close();
    const results = await Promise.allSettled(net.slice(0, 3).map((t) => runStartupChecks(t, s)));
    for (const [rank, r] of results.entries()) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as { code: string; message: string };
      expect(err.code).toBe('E_TRANSPORT_UNREACHABLE');
      expect(err.message).toContain(`${rank}<->3`);
    }
  });
});

describe('process watch', () => {
  it('reads DTRAIN_PARENT_PID and refuses a malformed one', () => {
    expect(readParentPid({})).toBeUndefined();
    expect(readParentPid({ DTRAIN_PARENT_PID: ' 42 ' })).toBe(42);
    expect(() => readParentPid({ DTRAIN_PARENT_PID: 'abc' })).toThrow(expect.objectContaining({ variable: 'DTRAIN_PARENT_PID' }));
  });

  it('on SIGTERM closes the transport and exits 143; closing the transport first removes the handlers', async () => {
    const before = process.listenerCount('SIGTERM');
    const codes: number[] = [];
    const reasons: string[] = [];
    const [t] = createMemoryNetwork(2);
    const watch = watchProcess({ exit: (c) => codes.push(c), onStop: (r) => reasons.push(r) });
    const guarded = watch.attach(t);
    expect(guarded.rank).toBe(0);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    expect(codes).toEqual([143]);
    expect(reasons[0]).toMatch(/SIGTERM/);
    await expect(t.send(1, 0, 0, new Float32Array(1))).rejects.toMatchObject({ code: 'E_TRANSPORT_CLOSED' });
    expect(process.listenerCount('SIGTERM')).toBe(before);

    const second = watchProcess({ exit: (c) => codes.push(c) });
    await second.attach(createMemoryNetwork(1)[0]).close();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(codes).toEqual([143]);
  });

  it('exits 1 once the parent pid is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const codes: number[] = [];
    const watch = watchProcess({ parentPid: gone, pollMs: 20, exit: (c) => codes.push(c) });
    watch.attach(createMemoryNetwork(1)[0]);
    await new Promise((r) => setTimeout(r, 200));
    expect(codes).toEqual([1]);
    watch.stop();
  });
});
