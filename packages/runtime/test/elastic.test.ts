// The elastic layer in one process (docs/elastic.md): membership schedules
// and their verifier, the view transport, the agreement between survivors
// over the in-memory network, and a session that trains on after a rank leaves.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createMemoryNetwork, createSession, type Session } from '@dtrain/runtime';
import { Communicator } from '../src/comm/communicator.js';
import { Membership } from '../src/elastic/membership.js';
import { decodeNotice, encodeNotice } from '../src/elastic/notice.js';
import { epochSeed, memberSchedule, verifyMemberSchedule } from '../src/elastic/schedule.js';
import { ViewTransport } from '../src/elastic/view-transport.js';
import { ElasticError } from '../src/errors.js';

const TOPOLOGIES = ['ring', 'onepeer-exp', 'exp', 'equidyn', 'full', 'torus', 'hypercube'];

describe('membership schedules', () => {
  it.each(TOPOLOGIES)('%s rebuilt on 8 .. 3 members passes the start-up verifier (pairs and doubly stochastic weights)', (topology) => {
    for (let m = 8; m >= 3; m--) {
      const built = memberSchedule(topology, m, 7, 8 - m);
      expect(built.schedule.nodes).toBe(m);
      const check = verifyMemberSchedule(built.schedule, 100, 64, 'doubly');
      expect(check.stochastic).toBe('doubly');
      expect(check.iterations).toBe(64);
    }
  });

  it('is a pure function of (seed, epoch, iteration), and epoch 0 is the job\'s own schedule', () => {
    const a = memberSchedule('equidyn', 7, 3, 2).schedule;
    const b = memberSchedule('equidyn', 7, 3, 2).schedule;
    for (let k = 0; k < 20; k++) expect(a.matrix(k)).toEqual(b.matrix(k));
    expect(epochSeed(3, 0)).toBe(3);
    expect(epochSeed(3, 1)).not.toBe(epochSeed(3, 2));
  });

  it('a topology with no graph on m nodes falls back to the ring, saying why', () => {
    const built = memberSchedule('torus', 7, 0, 1);
    expect(built.topology).toBe('ring');
    expect(built.fallback).toMatch(/7/);
  });
});

describe('notices', () => {
  it('round-trip, and anything else is no notice', () => {
    const n = { k: 2 ** 40 + 3, dead: [0, 5], joined: [] };
    expect(decodeNotice(encodeNotice(n), 8)).toEqual(n);
    expect(decodeNotice(encodeNotice({ k: 1, dead: [9], joined: [] }), 8)).toBeUndefined();
    expect(decodeNotice(new Float32Array(3), 8)).toBeUndefined();
  });
});

describe('the view transport', () => {
  it('renumbers the members 0..m-1 and runs collectives over them only', async () => {
    const net = createMemoryNetwork(5, { timeoutMs: 5000 });
    const members = [0, 2, 3];
    const views = members.map((r) => new ViewTransport(net[r]!, members));
    expect(views.map((v) => [v.rank, v.size])).toEqual([[0, 3], [1, 3], [2, 3]]);
    const xs = members.map((r) => Float32Array.from([r, 1]));
    await Promise.all(views.map((v, i) => new Communicator(v).allreduce(xs[i]!, { op: 'mean' })));
    for (const x of xs) {
      expect(x[0]).toBeCloseTo(5 / 3, 6);
      expect(x[1]).toBe(1);
    }
    await Promise.all(net.map((t) => t.close()));
  });

  it('abort fails what is pending at once, and what comes later', async () => {
    const net = createMemoryNetwork(2, { timeoutMs: 60_000 });
    const v = new ViewTransport(net[0]!, [0, 1]);
    const pending = v.recv(1, 0, 0);
    v.abort(new ElasticError('E_ELASTIC_INTERRUPTED', 'test'));
    expect(await codeOfAsync(() => pending)).toBe('E_ELASTIC_INTERRUPTED');
    expect(await codeOfAsync(() => v.send(1, 0, 0, new Float32Array(1)))).toBe('E_ELASTIC_INTERRUPTED');
    await Promise.all(net.map((t) => t.close()));
  });
});

describe('agreement without a coordinator', () => {
  function world(n: number, minNodes = 1): { net: ReturnType<typeof createMemoryNetwork>; ms: Membership[] } {
    const net = createMemoryNetwork(n, { timeoutMs: 5000 });
    return { net, ms: net.map((transport) => new Membership({ transport, minNodes, onPending: () => undefined })) };
  }

  it('rank 0 (the rendezvous host) closes: the others install the same members, epoch and step (the largest iteration count)', async () => {
    const { net, ms } = world(5);
    await net[0]!.close();
    ms[0]!.close();
    // Ranks at different iterations: the membership holds from the largest.
    for (const m of ms.slice(1)) await until(() => m.pending);
    const installed = await Promise.all(ms.slice(1).map((m, i) => m.agree(10 + i)));
    for (const x of installed) {
      expect(x.members).toEqual([1, 2, 3, 4]);
      expect(x.epoch).toBe(1);
      expect(x.step).toBe(13);
      expect(x.left.map((d) => d.rank)).toEqual([0]);
    }
    for (const m of ms) m.close();
    await Promise.all(net.map((t) => t.close()));
  });

  it('two ranks lost, seen by different survivors first: one agreement on both, or two in a row, never two memberships at once', async () => {
    const { net, ms } = world(6);
    // Rank 1 sees rank 4 gone, rank 2 sees rank 5 gone (as a heartbeat would); the others hear it from them.
    ms[1]!.suspect(4, 'heartbeat', 'test');
    ms[2]!.suspect(5, 'heartbeat', 'test');
    const live = [0, 1, 2, 3];
    const agreed = live.map((r) => ms[r]!.agree(7));
    // Ranks 4 and 5 are excluded by the survivors: they learn it and leave.
    const excluded = [4, 5].map(async (r) => {
      await until(() => ms[r]!.pending);
      return codeOfAsync(() => ms[r]!.agree(7));
    });
    const out = await Promise.all(agreed);
    for (const x of out) {
      expect(x.members).toEqual(live);
      expect(x.epoch).toBe(2);
    }
    expect(await Promise.all(excluded)).toEqual(['E_ELASTIC_EXCLUDED', 'E_ELASTIC_EXCLUDED']);
    for (const m of ms) m.close();
    await Promise.all(net.map((t) => t.close()));
  });

  it('half or fewer of the members left: no quorum; below --min-nodes: stop', async () => {
    const a = world(4);
    a.ms[0]!.suspect(1, 'connection', 'test');
    a.ms[0]!.suspect(2, 'connection', 'test');
    expect(await codeOfAsync(() => a.ms[0]!.agree(0))).toBe('E_ELASTIC_QUORUM');
    const b = world(4, 4);
    b.ms[0]!.suspect(3, 'connection', 'test');
    expect(await codeOfAsync(() => b.ms[0]!.agree(0))).toBe('E_ELASTIC_MIN_NODES');
    for (const w of [a, b]) {
      for (const m of w.ms) m.close();
      await Promise.all(w.net.map((t) => t.close()));
    }
  });
});

describe('an elastic session trains on after a rank leaves', () => {
  it('dsgd on 4 ranks, rank 2 closes at step 5: the others finish 20 steps on 3, with one membership record', async () => {
    const net = createMemoryNetwork(4, { timeoutMs: 10_000 });
    const ss: Session[] = net.map((transport) => createSession({ transport, algorithm: 'dsgd', topology: 'ring', elastic: {} }));
    const run = async (s: Session): Promise<number[] | undefined> => {
      const w = tf.variable(tf.fill([3], s.rank), true, `w-el-${s.rank}`);
      const opt = s.wrap([w], tf.train.sgd(0.1));
      while (opt.iteration < 20) {
        if (s.rank === 2 && opt.iteration === 5) {
          await s.close();
          return undefined;
        }
        await opt.step(() => tf.sum(tf.square(w)) as tf.Scalar);
      }
      const summary = await s.summarize(opt);
      expect(summary.elastic?.ranksFinished).toBe(3);
      expect(summary.ranks.map((r) => r.rank)).toEqual([0, 1, 3]);
      return [...s.members];
    };
    const out = await Promise.all(ss.map(run));
    expect(out).toEqual([[0, 1, 3], [0, 1, 3], undefined, [0, 1, 3]]);
    for (const s of ss) expect(s.elastic?.changes.length ?? 0).toBe(s.rank === 2 ? 0 : 1);
    await Promise.all(ss.map((s) => s.close()));
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function codeOfAsync(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
  } catch (err) {
    return (err as { code?: string }).code ?? `no code: ${String(err)}`;
  }
  return undefined;
}
