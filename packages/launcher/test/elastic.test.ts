// Elastic membership over real processes and sockets (docs/elastic.md): with
// --elastic a rank killed at any moment (rank 0, the rendezvous host,
// included) or stopped does not end the job; the others agree on the new
// membership, verify its schedule and finish on it. Build first: npx tsc -b packages/launcher.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TRAIN_FIXTURE, cleanup, fixturePids, freePort, rankLog, startCli, survivors, tempDir, until } from './job-helpers.js';

afterEach(cleanup);

interface Started {
  out: string;
  exited: ReturnType<typeof startCli>['exited'];
}

async function launchElastic(nodes: number, steps: number, extra: string[] = [], env: Record<string, string> = {}): Promise<Started> {
  const out = join(tempDir(), 'run');
  const port = await freePort();
  const job = startCli(
    ['launch', '--nodes', String(nodes), '--gpus', 'none', '--algorithm', 'dsgd', '--topology', 'onepeer-exp', '--elastic',
      '--timeout', '30', '--grace', '5', '--port', String(port), '--out', out, ...extra, TRAIN_FIXTURE],
    { STEPS: String(steps), FIXTURE_STEP_MS: '20', ...env },
  );
  return { out, exited: job.exited };
}

/** Waits until every rank has logged `steps` step records; returns the pids by rank. */
async function running(out: string, nodes: number, steps = 15): Promise<number[]> {
  const ranks = Array.from({ length: nodes }, (_, r) => r);
  await until(`every rank to take ${steps} steps`, () => ranks.every((r) => rankLog(out, r).filter((x) => x.kind === 'step').length >= steps), 90_000);
  return fixturePids(out);
}

function summaryOf(out: string): Record<string, unknown> & { elastic: { startNodes: number; ranksFinished: number; changes: Record<string, unknown>[] }; ranks: { rank: number }[]; nodes: number; steps: number } {
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
}

/** Every survivor logged the same membership records; each agreed schedule passed the verifier. */
function expectAgreed(out: string, survivorsRanks: number[], members: number[]): void {
  const records = survivorsRanks.map((r) => rankLog(out, r).filter((x) => x.kind === 'membership'));
  const last = records.map((rs) => rs[rs.length - 1]);
  for (const r of last) {
    expect(r?.members).toEqual(members);
    expect(r?.step).toBe(last[0]?.step);
    expect(r?.epoch).toBe(last[0]?.epoch);
  }
  for (const r of survivorsRanks) {
    const agreed = rankLog(out, r).filter((x) => x.kind === 'membership-agreed');
    expect(agreed.length).toBeGreaterThan(0);
    for (const a of agreed) expect(a.stochastic).toBe('doubly');
  }
}

describe('--elastic over real processes', () => {
  it('n = 8: kill -9 rank 0 mid-training; the job exits 0 and finishes on 7', async () => {
    const nodes = 8;
    const { out, exited } = await launchElastic(nodes, 300);
    const pids = await running(out, nodes);
    process.kill(pids[0], 'SIGKILL');
    const r = await exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/7 of 8 ranks finished \(elastic\); rank 0 was killed by SIGKILL/);
    const s = summaryOf(out);
    expect(s.nodes).toBe(7);
    expect(s.steps).toBe(300);
    expect(s.elastic.startNodes).toBe(8);
    expect(s.elastic.ranksFinished).toBe(7);
    expect(s.ranks.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const change = s.elastic.changes[0]!;
    expect(change.left).toEqual([expect.objectContaining({ rank: 0 })]);
    expect(typeof change.consensusBefore).toBe('number');
    expect(typeof change.consensusAfter).toBe('number');
    expectAgreed(out, [1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7]);
    expect(await survivors(pids)).toEqual([]);
  }, 180_000);

  it('n = 8: two random ranks killed at once; the job finishes on 6', async () => {
    const nodes = 8;
    const pick = [...Array.from({ length: nodes }, (_, r) => r)].sort(() => Math.random() - 0.5).slice(0, 2).sort((a, b) => a - b);
    const { out, exited } = await launchElastic(nodes, 300);
    const pids = await running(out, nodes);
    for (const r of pick) process.kill(pids[r], 'SIGKILL');
    const r = await exited;
    expect(r.code, `killed ${pick.join(', ')}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/6 of 8 ranks finished/);
    const live = Array.from({ length: nodes }, (_, k) => k).filter((k) => !pick.includes(k));
    const s = summaryOf(out);
    expect(s.elastic.ranksFinished).toBe(6);
    expect(s.ranks.map((x) => x.rank)).toEqual(live);
    expectAgreed(out, live, live);
    expect(await survivors(pids)).toEqual([]);
  }, 180_000);

  it('SIGSTOP one rank: the others go on; continued, it finds itself excluded and leaves without mixing in', async () => {
    const nodes = 4;
    const { out, exited } = await launchElastic(nodes, 1200);
    const pids = await running(out, nodes);
    process.kill(pids[2], 'SIGSTOP');
    // The others agree without it (heartbeat: about 10 s) and keep training.
    await until('the survivors to agree without rank 2', () => [0, 1, 3].every((k) => rankLog(out, k).some((x) => x.kind === 'membership-agreed')), 40_000);
    const before = rankLog(out, 0).filter((x) => x.kind === 'step').length;
    await until('the survivors to take steps on the new membership', () => rankLog(out, 0).filter((x) => x.kind === 'step').length > before + 10, 30_000);
    process.kill(pids[2], 'SIGCONT');
    const r = await exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/3 of 4 ranks finished \(elastic\); rank 2 exited with code 1 \(E_ELASTIC_EXCLUDED/);
    // Rank 2 never joined a membership after the start, and none of the survivors' includes it.
    expect(rankLog(out, 2).some((x) => x.kind === 'membership')).toBe(false);
    expect(rankLog(out, 2).some((x) => x.kind === 'peer-lost' && x.cause === 'excluded')).toBe(true);
    expectAgreed(out, [0, 1, 3], [0, 1, 3]);
    const left = summaryOf(out).elastic.changes[0]!.left as { rank: number; cause: string }[];
    expect(left).toEqual([expect.objectContaining({ rank: 2 })]);
    expect(['heartbeat', 'reported']).toContain(left[0]!.cause);
    expect(await survivors(pids)).toEqual([]);
  }, 180_000);

  it('--min-nodes: below it the job stops, exit 1, with the reason', async () => {
    const nodes = 4;
    const { out, exited } = await launchElastic(nodes, 100_000, ['--min-nodes', '4']);
    const pids = await running(out, nodes, 5);
    process.kill(pids[1], 'SIGKILL');
    const r = await exited;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/dtrain: the elastic job stopped: E_ELASTIC_MIN_NODES: rank \d: 3 ranks are left, fewer than --min-nodes 4/);
    expect(await survivors(pids)).toEqual([]);
  }, 120_000);
});
