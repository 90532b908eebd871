import { describe, expect, it } from 'vitest';
import { createSchedule, rngFrom, type Schedule } from '@dtrain/topology';
import { CommError, Communicator, createMemoryNetwork, PeerError, type Transport } from '@dtrain/runtime';

/** n communicators over an in-memory network; small chunks so every vector streams in several lanes. */
function world(n: number, chunkFloats = 7, lanes = 3, timeoutMs = 5_000): Communicator[] {
  return createMemoryNetwork(n, { timeoutMs }).map((t) => new Communicator(t, { chunkFloats, lanes, timeoutMs }));
}

function vectors(n: number, length: number, seed = 1): Float32Array[] {
  return Array.from({ length: n }, (_, r) => {
    const rng = rngFrom(seed, r);
    return Float32Array.from({ length }, () => rng.next() * 2 - 1);
  });
}

/** Reference: x(k+1) = W(k) x(k) in float64. */
function simulate(schedule: Schedule, xs: readonly Float32Array[], from: number, steps: number): Float64Array[] {
  let cur = xs.map((x) => Float64Array.from(x));
  for (let k = from; k < from + steps; k++) {
    const W = schedule.matrix(k);
    cur = W.map((row) => {
      const out = new Float64Array(cur[0].length);
      row.forEach((w, j) => {
        if (w !== 0) for (let i = 0; i < out.length; i++) out[i] += w * cur[j][i];
      });
      return out;
    });
  }
  return cur;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function average(xs: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(xs[0].length);
  for (const x of xs) for (let i = 0; i < x.length; i++) out[i] += x[i] / xs.length;
  return out;
}

describe('Communicator.exchange', () => {
  it.each([
    ['ring', 5],
    ['exp', 6],
    ['onepeer-exp', 8],
    ['onepeer', 6],
  ])('matches W(k) x for %s with n = %i over several iterations', async (name, n) => {
    const schedule = createSchedule(name, n, { seed: 3 });
    const comms = world(n);
    const xs = vectors(n, 50);
    const want = simulate(schedule, xs, 2, 4);
    for (let k = 2; k < 6; k++) await Promise.all(comms.map((c, r) => c.exchange(xs[r], schedule, k)));
    xs.forEach((x, r) => expect(maxDiff(x, want[r])).toBeLessThan(1e-5));
  });

  it('reaches the exact average after log2 n rounds of one-peer exponential (n = 8)', async () => {
    const schedule = createSchedule('onepeer-exp', 8, {});
    const comms = world(8);
    const xs = vectors(8, 33);
    const avg = average(xs);
    await Promise.all(comms.map((c, r) => c.exchange(xs[r], schedule, 0, { rounds: 3 })));
    xs.forEach((x) => expect(maxDiff(x, avg)).toBeLessThanOrEqual(1e-6));
  });

  it('mixes a push-sum weight on a column-stochastic digraph: mass is kept and x/w reaches the average', async () => {
    const n = 4;
    const schedule = createSchedule('digraph-skewed', n, {});
    expect(schedule.stochastic).toBe('column');
    const comms = world(n);
    const xs = vectors(n, 20, 9);
    const avg = average(xs);
    const weights = new Array<number>(n).fill(1);
    for (let k = 0; k < 80; k++) {
      const out = await Promise.all(comms.map((c, r) => c.exchange(xs[r], schedule, k, { weight: weights[r] })));
      out.forEach((o, r) => (weights[r] = o.weight!));
    }
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(n, 9);
    const mass = xs.reduce((s, x) => s + x[0], 0);
    expect(mass / n).toBeCloseTo(avg[0], 4);
    xs.forEach((x, r) => expect(maxDiff(x.map((v) => v / weights[r]), avg)).toBeLessThan(1e-5));
  });

  it('keeps iterations apart when one rank runs ahead and another lags', async () => {
    const n = 4;
    const schedule = createSchedule('onepeer-exp', n, {});
    const comms = world(n);
    const xs = vectors(n, 40, 5);
    const want = simulate(schedule, xs, 0, 6);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await Promise.all(
      comms.map(async (c, r) => {
        for (let k = 0; k < 6; k++) {
          if (r === 1) await sleep(15);
          await c.exchange(xs[r], schedule, k);
        }
      }),
    );
    xs.forEach((x, r) => expect(maxDiff(x, want[r])).toBeLessThan(1e-5));
  });

  it('rejects a schedule of another size and an iteration that goes backwards', async () => {
    const comms = world(2);
    const x = new Float32Array(4);
    await expect(comms[0].exchange(x, createSchedule('ring', 3, {}), 0)).rejects.toMatchObject({ code: 'E_COMM_SCHEDULE' });
    const ring = createSchedule('ring', 2, {});
    await Promise.all(comms.map((c) => c.exchange(new Float32Array(4), ring, 5)));
    await expect(comms[0].exchange(x, ring, 4)).rejects.toBeInstanceOf(CommError);
    await expect(comms[0].exchange(x, ring, 4)).rejects.toMatchObject({ code: 'E_COMM_ITERATION' });
  });

  it('names the peer that sent a vector of another length', async () => {
    const comms = world(2);
    const ring = createSchedule('ring', 2, {});
    const [a] = await Promise.allSettled([
      comms[0].exchange(new Float32Array(5), ring, 0),
      comms[1].exchange(new Float32Array(6), ring, 0),
    ]);
    expect(a.status).toBe('rejected');
    expect((a as PromiseRejectedResult).reason).toMatchObject({ code: 'E_COMM_LENGTH', peer: 1 });
  });

  it('fails with a PeerError naming a rank that closed mid-exchange', async () => {
    const transports = createMemoryNetwork(3, { timeoutMs: 2_000 });
    const comms = transports.map((t) => new Communicator(t, { timeoutMs: 2_000 }));
    const ring = createSchedule('ring', 3, {});
    const x = vectors(3, 10);
    const pending = [comms[0].exchange(x[0], ring, 0), comms[1].exchange(x[1], ring, 0)];
    await transports[2].close();
    for (const p of pending) {
      const err = await p.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(PeerError);
      expect((err as PeerError).peer).toBe(2);
    }
  });

  it('finishes an iteration on the transport once every operation of it is done', async () => {
    const [t0, t1] = createMemoryNetwork(2);
    const seen: number[] = [];
    const spy: Transport = Object.assign(Object.create(t0) as Transport, {
      finish: (k: number) => {
        seen.push(k);
        t0.finish(k);
      },
    });
    const ring = createSchedule('ring', 2, {});
    const c0 = new Communicator(spy);
    const c1 = new Communicator(t1);
    for (const k of [0, 1, 4]) {
      await Promise.all([c0.exchange(new Float32Array(3), ring, k), c1.exchange(new Float32Array(3), ring, k)]);
      await Promise.all([c0.barrier(), c1.barrier()]);
    }
    expect(seen.every((k, i) => i === 0 || k >= seen[i - 1])).toBe(true);
    expect(seen.at(-1)).toBe(4);
    expect(seen).toContain(1);
  });
});

describe('Communicator.allreduce', () => {
  for (let n = 2; n <= 8; n++) {
    it(`equals the true sum for n = ${n}, lengths that do not divide by n, shorter than n, and in many chunks`, async () => {
      const comms = world(n, 5, 2);
      for (const length of [1, n - 1, n + 1, 3 * n + 2, 101]) {
        const xs = vectors(n, length, length);
        const want = average(xs).map((v) => v * n);
        await Promise.all(comms.map((c, r) => c.allreduce(xs[r])));
        xs.forEach((x) => {
          expect(maxDiff(x, want)).toBeLessThan(1e-5);
          expect(Array.from(x)).toEqual(Array.from(xs[0]));
        });
      }
    });
  }

  it('computes the mean, with collectives and exchanges interleaved', async () => {
    const n = 3;
    const comms = world(n);
    const ring = createSchedule('ring', n, {});
    const xs = vectors(n, 31);
    const ys = vectors(n, 31, 7);
    const avg = average(ys);
    await Promise.all(comms.map((c, r) => c.exchange(xs[r], ring, 0)));
    await Promise.all(comms.map((c, r) => Promise.all([c.allreduce(ys[r], { op: 'mean' }), c.barrier()])));
    ys.forEach((y) => expect(maxDiff(y, avg)).toBeLessThan(1e-6));
  });
});

describe('Communicator collectives', () => {
  it('broadcasts the root vector to every rank', async () => {
    const comms = world(5);
    const xs = vectors(5, 40);
    const root = Float32Array.from(xs[2]);
    await Promise.all(comms.map((c, r) => c.broadcast(xs[r], 2)));
    xs.forEach((x) => expect(Array.from(x)).toEqual(Array.from(root)));
  });

  it('allgathers float64 numbers bit-exactly', async () => {
    const comms = world(4);
    const got = await Promise.all(comms.map((c, r) => c.allgather([Math.PI * r, 1 / 3 + r])));
    for (const all of got) all.forEach((v, r) => expect(Array.from(v)).toEqual([Math.PI * r, 1 / 3 + r]));
  });

  it('releases nobody from a barrier before the last rank enters', async () => {
    const comms = world(6);
    let entered = 0;
    const seenOnExit: number[] = [];
    await Promise.all(
      comms.map(async (c, r) => {
        await new Promise((res) => setTimeout(res, r === 4 ? 30 : 0));
        entered++;
        await c.barrier();
        seenOnExit.push(entered);
      }),
    );
    expect(seenOnExit).toEqual(new Array(6).fill(6));
  });
});
