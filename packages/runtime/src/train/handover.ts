/**
 * The handover to a replacement (docs/elastic.md): once the members have
 * taken a replacement back in, the lowest member that stayed sends it the
 * membership (members, epoch, the counts that name it, the step it holds
 * from) and its own training state at that step: parameters, the
 * algorithm's state and the tfjs optimizer's weights. No checkpoint is
 * needed. The state travels over the transport as data frames on a reserved
 * iteration (MACed, acknowledged): one frame with the sizes, then the bytes
 * of a JSON description followed by the float32 values, in chunks no larger
 * than the model (the frame limit every rank set).
 */
import { decodeF64, encodeF64 } from '../comm/combine.js';
import { NOTICE_ITER } from '../elastic/notice.js';
import type { MembershipState } from '../elastic/membership.js';
import { decodeRecord, type MembershipLine } from '../contract/records.js';
import { ElasticError } from '../errors.js';
import type { Transport } from '../transport/types.js';
import type { OptimizerSnapshot } from './snapshot.js';

/** The iteration handovers travel on (like notices: never finished). */
export const HANDOVER_ITER = NOTICE_ITER + 1;
const VERSION = 1;

export interface Handover {
  readonly step: number;
  readonly epoch: number;
  readonly members: readonly number[];
  readonly state: MembershipState;
  readonly snapshot: OptimizerSnapshot;
  /** The membership records so far (summary.json lists every change, whoever writes it). */
  readonly changes: readonly MembershipLine[];
}

interface Description {
  v: number;
  step: number;
  epoch: number;
  members: number[];
  gone: number[];
  back: number[];
  scalars: Record<string, number>;
  vectors: [string, number][];
  optimizer: [string, number[], number][];
  params: number;
  changes: MembershipLine[];
}

/** Sends `h` to `peer` (the leader's side). */
export async function sendHandover(t: Transport, peer: number, h: Handover, chunk: number): Promise<void> {
  const s = h.snapshot;
  const desc: Description = {
    v: VERSION, step: h.step, epoch: h.epoch, members: [...h.members], gone: [...h.state.gone], back: [...h.state.back],
    scalars: s.algorithm.scalars,
    vectors: Object.entries(s.algorithm.vectors).map(([k, v]) => [k, v.length]),
    optimizer: s.optimizer.map((w) => [w.name, w.shape, w.values.length]),
    params: s.params.length,
    changes: [...h.changes],
  };
  const json = Buffer.from(JSON.stringify(desc), 'utf8');
  const jsonFloats = Math.ceil(json.length / 4);
  const parts = [s.params, ...Object.values(s.algorithm.vectors), ...s.optimizer.map((w) => w.values)];
  const total = jsonFloats + parts.reduce((n, p) => n + p.length, 0);
  const all = new Float32Array(total);
  new Uint8Array(all.buffer, 0, json.length).set(json);
  let off = jsonFloats;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  await t.send(peer, HANDOVER_ITER, 0, encodeF64([VERSION, total, json.length]));
  const sends: Promise<void>[] = [];
  for (let c = 0, tag = 1; c < total; c += chunk, tag++) sends.push(t.send(peer, HANDOVER_ITER, tag, all.subarray(c, Math.min(total, c + chunk))));
  await Promise.all(sends);
}

/** Waits for a handover from any of `peers` (the replacement's side). */
export async function receiveHandover(t: Transport, peers: readonly number[], deadline: number): Promise<Handover> {
  const first = await Promise.any(peers.map(async (p) => ({ p, head: Array.from(decodeF64(await t.recv(p, HANDOVER_ITER, 0, { deadline }))) })));
  const [version, total, jsonBytes] = first.head;
  if (version !== VERSION || total === undefined || jsonBytes === undefined) throw bad(`a handover of version ${String(version)}`);
  const all = new Float32Array(total);
  let off = 0;
  for (let tag = 1; off < total; tag++) {
    const part = await t.recv(first.p, HANDOVER_ITER, tag, { deadline });
    all.set(part, off);
    off += part.length;
  }
  const desc = JSON.parse(Buffer.from(all.buffer, 0, jsonBytes).toString('utf8')) as Description;
  if (desc.v !== VERSION) throw bad(`a description of version ${desc.v}`);
  off = Math.ceil(jsonBytes / 4);
  const take = (n: number): Float32Array => {
    const v = all.slice(off, off + n);
    off += n;
    return v;
  };
  const params = take(desc.params);
  const vectors = Object.fromEntries(desc.vectors.map(([k, n]) => [k, take(n)]));
  const optimizer = desc.optimizer.map(([name, shape, n]) => ({ name, shape, values: take(n) }));
  return {
    step: desc.step, epoch: desc.epoch, members: desc.members, state: { gone: desc.gone, back: desc.back },
    snapshot: { iteration: desc.step, params, algorithm: { vectors, scalars: desc.scalars }, optimizer },
    changes: desc.changes.map((c, i) => {
      const r = decodeRecord({ ...c, kind: 'membership' }, `handover changes[${i}]`);
      if (r?.kind !== 'membership') throw bad('a list of changes that are no membership records');
      return r;
    }),
  };
}

function bad(what: string): ElasticError {
  return new ElasticError('E_ELASTIC_OPTION', `the handover from a live member is ${what}; every rank must run the same dtrain version`);
}
