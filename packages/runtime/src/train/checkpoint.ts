/**
 * Checkpoint files, one per rank and step, under OUT/checkpoints/rank-<r>/step-<k>.ckpt:
 *
 *   "DTRAINCK" | uint32 LE header length H (H % 4 = 0) | header JSON | float32 LE blobs
 *
 * The header names the run (algorithm, topology, nodes, rank, seed, model
 * size), the step, the data position and each blob (model parameters,
 * algorithm state vectors, the tfjs optimizer's weights). The data order is
 * a pure function of (seed, rank, epoch), so the step and the seed are the
 * whole random state. Files are written to a temporary name and renamed, and
 * the last KEEP steps are kept, so a run killed while writing still has a
 * complete checkpoint that every rank holds.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import type { OptimizerSnapshot } from './optimizer.js';
import type { CarriedTotals } from './totals.js';

const MAGIC = 'DTRAINCK';
/** Checkpoints kept per rank. */
export const CHECKPOINTS_KEPT = 2;

/** Identifies the run a checkpoint belongs to; a resume must match it. */
export interface CheckpointMeta {
  algorithm: string;
  topology: string;
  nodes: number;
  rank: number;
  seed: number;
  paramCount: number;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  /** Steps completed. */
  step: number;
  /** Where the data stream stands: epoch and batch offset within it. */
  data: { epoch: number; offset: number };
  snapshot: OptimizerSnapshot;
  /** The run's totals up to this step (absent in checkpoints written before they were kept). */
  totals?: CarriedTotals;
}

interface BlobEntry {
  key: string;
  length: number;
  shape: number[];
}

interface Header {
  format: 1;
  meta: CheckpointMeta;
  step: number;
  data: { epoch: number; offset: number };
  algorithmScalars: Record<string, number>;
  blobs: BlobEntry[];
  totals?: CarriedTotals;
}

/** What a checkpoint's header says, without its blobs (for a launcher checking an output directory). */
export interface CheckpointHeader {
  meta: CheckpointMeta;
  step: number;
}

export function checkpointDir(out: string, rank: number): string {
  return join(out, 'checkpoints', `rank-${rank}`);
}

function fileOf(dir: string, step: number): string {
  return join(dir, `step-${step}.ckpt`);
}

/** Steps with a checkpoint in `dir`, ascending. */
export function listCheckpoints(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^step-(\d+)\.ckpt$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Write `ckpt` into `dir` atomically and drop all but the newest CHECKPOINTS_KEPT. Returns the file. */
export function saveCheckpoint(dir: string, ckpt: Checkpoint): string {
  mkdirSync(dir, { recursive: true });
  const blobs: { entry: BlobEntry; values: Float32Array }[] = [];
  blobs.push({ entry: { key: 'params', length: ckpt.snapshot.params.length, shape: [] }, values: ckpt.snapshot.params });
  for (const [k, v] of Object.entries(ckpt.snapshot.algorithm.vectors)) {
    blobs.push({ entry: { key: `alg/${k}`, length: v.length, shape: [] }, values: v });
  }
  ckpt.snapshot.optimizer.forEach((w, i) => {
    blobs.push({ entry: { key: `opt/${i}/${w.name}`, length: w.values.length, shape: w.shape }, values: w.values });
  });
  const header: Header = {
    format: 1,
    meta: ckpt.meta,
    step: ckpt.step,
    data: ckpt.data,
    algorithmScalars: ckpt.snapshot.algorithm.scalars,
    blobs: blobs.map((b) => b.entry),
    ...(ckpt.totals !== undefined ? { totals: ckpt.totals } : {}),
  };
  let json = JSON.stringify(header);
  while (json.length % 4 !== 0) json += ' ';
  const head = Buffer.alloc(12 + json.length);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  head.write(json, 12, 'utf8');
  const parts: Buffer[] = [head, ...blobs.map((b) => Buffer.from(b.values.buffer, b.values.byteOffset, b.values.byteLength))];
  const file = fileOf(dir, ckpt.step);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, file);
  const steps = listCheckpoints(dir);
  for (const s of steps.slice(0, Math.max(0, steps.length - CHECKPOINTS_KEPT))) rmSync(fileOf(dir, s), { force: true });
  return file;
}

function bad(file: string, what: string): CheckpointError {
  return new CheckpointError('E_CHECKPOINT_FORMAT', `${file}: ${what}; the file is corrupt or not a dtrain checkpoint: delete it to start over`, file);
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function decodeHeader(file: string, value: unknown): Header {
  if (!isObj(value) || value.format !== 1) throw bad(file, 'unknown header format');
  const { meta, step, data, algorithmScalars, blobs } = value;
  if (!isObj(meta) || typeof meta.algorithm !== 'string' || typeof meta.topology !== 'string') throw bad(file, 'header has no run description');
  for (const k of ['nodes', 'rank', 'seed', 'paramCount'] as const) if (!isCount(meta[k])) throw bad(file, `meta.${k} is not a count`);
  if (!isCount(step)) throw bad(file, 'step is not a count');
  if (!isObj(data) || !isCount(data.epoch) || !isCount(data.offset)) throw bad(file, 'data position is malformed');
  if (!isObj(algorithmScalars) || Object.values(algorithmScalars).some((v) => typeof v !== 'number')) throw bad(file, 'algorithm scalars are malformed');
  if (!Array.isArray(blobs)) throw bad(file, 'blob list missing');
  const entries: BlobEntry[] = blobs.map((b: unknown, i) => {
    if (!isObj(b) || typeof b.key !== 'string' || !isCount(b.length) || !Array.isArray(b.shape) || !b.shape.every(isCount)) {
      throw bad(file, `blob ${i} is malformed`);
    }
    return { key: b.key, length: b.length, shape: b.shape as number[] };
  });
  return {
    format: 1,
    ...(value.totals !== undefined ? { totals: decodeTotals(file, value.totals) } : {}),
    meta: meta as unknown as CheckpointMeta,
    step,
    data: { epoch: data.epoch, offset: data.offset },
    algorithmScalars: algorithmScalars as Record<string, number>,
    blobs: entries,
  };
}

function decodeTotals(file: string, v: unknown): CarriedTotals {
  if (!isObj(v)) throw bad(file, 'totals are malformed');
  const nums = ['steps', 'seconds', 'computeSeconds', 'commSeconds', 'bytesSent'] as const;
  for (const k of nums) if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) throw bad(file, `totals.${k} is not a number`);
  const losses = v.recentLosses;
  if (!Array.isArray(losses) || !losses.every((x) => typeof x === 'number')) throw bad(file, 'totals.recentLosses is malformed');
  const segs = v.segments;
  if (!Array.isArray(segs)) throw bad(file, 'totals.segments is malformed');
  const segments = segs.map((sg: unknown, i) => {
    if (!isObj(sg) || !isCount(sg.fromStep) || !isCount(sg.toStep) || typeof sg.wallClockSeconds !== 'number') throw bad(file, `totals.segments[${i}] is malformed`);
    return { fromStep: sg.fromStep, toStep: sg.toStep, wallClockSeconds: sg.wallClockSeconds };
  });
  const t = v as Record<(typeof nums)[number], number>;
  return { steps: t.steps, seconds: t.seconds, computeSeconds: t.computeSeconds, commSeconds: t.commSeconds, bytesSent: t.bytesSent, recentLosses: losses as number[], segments };
}

/** The header of a checkpoint file (CheckpointError E_CHECKPOINT_FORMAT when it is not one). */
function parseHeader(file: string, buf: Buffer): { header: Header; length: number } {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw bad(file, 'bad magic');
  const h = buf.readUInt32LE(8);
  if (h % 4 !== 0 || 12 + h > buf.length) throw bad(file, `header length ${h} does not fit`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8', 12, 12 + h));
  } catch {
    throw bad(file, 'header is not JSON');
  }
  return { header: decodeHeader(file, parsed), length: h };
}

/** The run and step a checkpoint file belongs to, read from its header alone. */
export function readCheckpointHeader(file: string): CheckpointHeader {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new CheckpointError('E_CHECKPOINT_MISSING', `cannot read ${file}: ${(err as Error).message}`, file);
  }
  const { header } = parseHeader(file, buf);
  return { meta: header.meta, step: header.step };
}

/** Read the checkpoint of `step` in `dir` and check it belongs to the run described by `expect`. */
export function loadCheckpoint(dir: string, step: number, expect: CheckpointMeta): Checkpoint {
  const file = fileOf(dir, step);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new CheckpointError('E_CHECKPOINT_MISSING', `cannot read ${file}: ${(err as Error).message}`, file);
  }
  const { header, length: h } = parseHeader(file, buf);
  const total = header.blobs.reduce((n, b) => n + b.length, 0);
  if (12 + h + 4 * total !== buf.length) throw bad(file, `blobs need ${4 * total} bytes, the file has ${buf.length - 12 - h}`);
  for (const k of Object.keys(expect) as (keyof CheckpointMeta)[]) {
    if (header.meta[k] !== expect[k]) {
      throw new CheckpointError(
        'E_CHECKPOINT_MISMATCH',
        `${file} is from a run with ${k} = ${String(header.meta[k])}, this run has ${String(expect[k])}; start over there with --resume never (DTRAIN_RESUME=never), or use another --out (DTRAIN_OUT)`,
        file,
      );
    }
  }
  const floats = new Float32Array(buf.buffer.slice(buf.byteOffset + 12 + h, buf.byteOffset + buf.length));
  let off = 0;
  const snapshot: OptimizerSnapshot = { iteration: header.step, params: new Float32Array(0), algorithm: { vectors: {}, scalars: header.algorithmScalars }, optimizer: [] };
  for (const b of header.blobs) {
    const values = floats.slice(off, off + b.length);
    off += b.length;
    if (b.key === 'params') snapshot.params = values;
    else if (b.key.startsWith('alg/')) snapshot.algorithm.vectors[b.key.slice(4)] = values;
    else if (b.key.startsWith('opt/')) snapshot.optimizer.push({ name: b.key.split('/').slice(2).join('/'), shape: b.shape, values });
    else throw bad(file, `unknown blob '${b.key}'`);
  }
  if (snapshot.params.length !== expect.paramCount) throw bad(file, `params blob has ${snapshot.params.length} floats`);
  return { meta: header.meta, step: header.step, data: header.data, snapshot, ...(header.totals !== undefined ? { totals: header.totals } : {}) };
}
