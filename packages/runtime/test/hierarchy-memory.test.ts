import { describe, expect, it } from 'vitest';
import { createSchedule, rngFrom, type Schedule } from '@dtrain/topology';
import { Communicator, createMemoryNetwork } from '@dtrain/runtime';

/** Fast math checks of the hierarchical operations over the in-memory transport (the process test is consensus-hier). */
function world(n: number, localSize: number | undefined) {
  const transports = createMemoryNetwork(n, { timeoutMs: 5_000 });
  return { transports, comms: transports.map((t) => new Communicator(t, { chunkFloats: 5, lanes: 2, timeoutMs: 5_000, localSize })) };
}

function vectors(n: number, length: number): Float32Array[] {
  return Array.from({ length: n }, (_, r) => {
    const rng = rngFrom(7, r);
    return Float32Array.from({ length }, () => rng.next() * 2 - 1);
  });
}

function effective(schedule: Schedule, xs: readonly Float32Array[], steps: number): Float64Array[] {
  let cur = xs.map((x) => Float64Array.from(x));
  for (let k = 0; k < steps; k++) {
    const W = schedule.matrix(k);
    cur = W.map((row) => {
      const out = new Float64Array(cur[0].length);
      row.forEach((w, j) => w !== 0 && cur[j].forEach((v, i) => (out[i] += w * v)));
      return out;
    });
  }
  return cur;
}

const sentAcross = (stats: { bytesSentTo?: number[] }, rank: number, L: number): number =>
  (stats.bytesSentTo ?? []).reduce((s, b, p) => s + (Math.floor(p / L) !== Math.floor(rank / L) ? b : 0), 0);

describe('hierarchical exchange and allreduce (memory transport)', () => {
  it('hier:od-equidyn: every step matches the effective W(k) = B(k) (x) J_L, and only leaders send across hosts', async () => {
    const n = 9;
    const L = 3;
    const schedule = createSchedule('hier:od-equidyn', n, { localSize: L, seed: 2 });
    const { transports, comms } = world(n, undefined);
    const xs = vectors(n, 23);
    const want = effective(schedule, xs, 4);
    for (let k = 0; k < 4; k++) await Promise.all(comms.map((c, r) => c.exchange(xs[r], schedule, k)));
    xs.forEach((x, r) => x.forEach((v, i) => expect(v).toBeCloseTo(want[r][i], 5)));
    transports.forEach((t, r) => {
      const across = sentAcross(t.stats(), r, L);
      if (r % L === 0) expect(across).toBe(4 * 23 * 4); // one vector per step to the one inter-host peer
      else expect(across).toBe(0);
    });
  });

  it('hier:onepeer-exp over 4 hosts of 2: the exact average after 2 steps', async () => {
    const schedule = createSchedule('hier:onepeer-exp', 8, { localSize: 2 });
    const { comms } = world(8, undefined);
    const xs = vectors(8, 31);
    const avg = effective(createSchedule('full', 8), xs, 1)[0];
    for (let k = 0; k < 2; k++) await Promise.all(comms.map((c, r) => c.exchange(xs[r], schedule, k)));
    for (const x of xs) x.forEach((v, i) => expect(Math.abs(v - avg[i])).toBeLessThan(1e-6));
  });

  it('the hierarchical allreduce gives the mean with identical bits on every rank, and leaders alone cross hosts', async () => {
    const n = 8;
    const L = 2;
    const { transports, comms } = world(n, L);
    const xs = vectors(n, 40);
    const avg = effective(createSchedule('full', n), xs, 1)[0];
    await Promise.all(comms.map((c, r) => c.allreduce(xs[r], { op: 'mean' })));
    xs.forEach((x) => {
      expect(x).toEqual(xs[0]);
      x.forEach((v, i) => expect(Math.abs(v - avg[i])).toBeLessThan(1e-6));
    });
    transports.forEach((t, r) => {
      // the leaders' ring over 4 hosts: 2 (M - 1) / M of the vector each
      expect(sentAcross(t.stats(), r, L)).toBe(r % L === 0 ? 2 * 3 * 10 * 4 : 0);
    });
  });
});
