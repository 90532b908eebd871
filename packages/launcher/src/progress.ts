/**
 * Training progress from the workers' step and progress records
 * (contract/records.ts: step, totalSteps, samplesPerSec, elapsedSeconds).
 * Pure: the caller passes the clock.
 */
import { ContractError, decodeRecord, type WorkerRecord } from '@dtrain/runtime/contract';
import { formatCount } from './human.js';

export interface ProgressRecord {
  step: number;
  /** Absent for a progress record (a phase between steps). */
  loss?: number;
  totalSteps?: number;
  samplesPerSec?: number;
  /** The worker's seconds since its first step. */
  elapsedSeconds?: number;
}

/**
 * The progress a parsed worker line carries: a step or progress record;
 * null for any other line, and for one that claims to be a record but is
 * malformed (the display skips it; `dtrain compare` reports it).
 */
export function parseProgress(value: unknown): ProgressRecord | null {
  let r: WorkerRecord | null;
  try {
    r = decodeRecord(value);
  } catch (err) {
    if (err instanceof ContractError) return null;
    throw err;
  }
  if (r === null) return null;
  if (r.kind === 'step') {
    const out: ProgressRecord = { step: r.step, loss: r.loss, elapsedSeconds: r.elapsedSeconds };
    if (r.totalSteps !== undefined && r.totalSteps > 0) out.totalSteps = r.totalSteps;
    if (r.samplesPerSec !== undefined) out.samplesPerSec = r.samplesPerSec;
    return out;
  }
  if (r.kind === 'progress') return { step: r.step, totalSteps: r.totalSteps, elapsedSeconds: r.elapsedSeconds };
  return null;
}

export interface ProgressSnapshot {
  /** Slowest rank's step. */
  step: number;
  /** Mean of the ranks' latest losses. */
  loss: number;
  totalSteps?: number;
  /** Sum over ranks of the latest samples/s. */
  samplesPerSec?: number;
  /** Seconds left at the rate seen so far. */
  etaS?: number;
}

export class ProgressTracker {
  private readonly latest = new Map<number, ProgressRecord>();
  private readonly losses = new Map<number, number>();
  private first: { step: number; at: number } | null = null;

  /** Each rank's first record: a resumed run starts at its checkpoint's step, not at 0. */
  private readonly firsts = new Map<number, ProgressRecord>();

  update(rank: number, p: ProgressRecord, nowMs: number): void {
    if (!this.firsts.has(rank) && p.elapsedSeconds !== undefined) this.firsts.set(rank, p);
    const before = this.latest.get(rank);
    // A progress record keeps the rate of the step before it.
    this.latest.set(rank, p.samplesPerSec === undefined && before?.samplesPerSec !== undefined ? { ...p, samplesPerSec: before.samplesPerSec } : p);
    if (p.loss !== undefined) this.losses.set(rank, p.loss);
    if (this.first === null) this.first = { step: p.step, at: nowMs };
  }

  snapshot(nowMs: number): ProgressSnapshot | null {
    if (this.latest.size === 0 || this.first === null) return null;
    const all = [...this.latest.values()];
    const step = Math.min(...all.map((p) => p.step));
    const losses = [...this.losses.values()];
    const loss = losses.length === 0 ? Number.NaN : losses.reduce((s, l) => s + l, 0) / losses.length;
    const snap: ProgressSnapshot = { step, loss };
    const total = all.find((p) => p.totalSteps !== undefined)?.totalSteps;
    if (total !== undefined) snap.totalSteps = total;
    const rates = all.filter((p) => p.samplesPerSec !== undefined);
    if (rates.length > 0) snap.samplesPerSec = rates.reduce((s, p) => s + (p.samplesPerSec ?? 0), 0);
    if (total !== undefined) {
      const eta = etaSeconds([...this.latest.entries()], this.firsts, step, total, this.first, nowMs);
      if (eta !== undefined) snap.etaS = eta;
    }
    return snap;
  }
}

/**
 * Seconds left: from the slowest rank's own clock (the steps it took since
 * its first record over the seconds they took, so that a resumed run, which
 * starts at its checkpoint's step, is not counted as fast) when the records
 * carry it, else from the launcher's clock since the first record it saw.
 */
function etaSeconds(
  latest: [number, ProgressRecord][],
  firsts: ReadonlyMap<number, ProgressRecord>,
  step: number,
  total: number,
  first: { step: number; at: number },
  nowMs: number,
): number | undefined {
  const slowest = latest.find(([, p]) => p.step === step);
  const nowS = slowest?.[1].elapsedSeconds;
  if (slowest !== undefined && nowS !== undefined && nowS > 0 && step > 0) {
    const from = firsts.get(slowest[0]);
    const stepsHere = from === undefined ? 0 : step - from.step;
    const secondsHere = from?.elapsedSeconds === undefined ? 0 : nowS - from.elapsedSeconds;
    // Until a second record, the first one's own pace (steps from 0: right unless the run resumed).
    const perStep = stepsHere > 0 && secondsHere > 0 ? secondsHere / stepsHere : nowS / step;
    return Math.max(0, (total - step) * perStep);
  }
  const elapsedS = (nowMs - first.at) / 1000;
  const doneSteps = step - first.step;
  return doneSteps > 0 && elapsedS > 0 ? Math.max(0, (total - step) / (doneSteps / elapsedS)) : undefined;
}

export function formatDuration(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** `step 120/1000 [####......] 12% loss 0.4321 12.3k samples/s ETA 1m20s` */
export function renderBar(s: ProgressSnapshot, barWidth = 20): string {
  const parts = [s.totalSteps !== undefined ? `step ${s.step}/${s.totalSteps}` : `step ${s.step}`];
  if (s.totalSteps !== undefined) {
    const frac = Math.min(1, Math.max(0, s.step / s.totalSteps));
    const full = Math.round(frac * barWidth);
    parts.push(`[${'#'.repeat(full)}${'.'.repeat(barWidth - full)}] ${Math.floor(frac * 100)}%`);
  }
  if (Number.isFinite(s.loss)) parts.push(`loss ${s.loss.toPrecision(4)}`);
  if (s.samplesPerSec !== undefined) parts.push(`${formatCount(s.samplesPerSec)} samples/s`);
  if (s.etaS !== undefined) parts.push(`ETA ${formatDuration(s.etaS)}`);
  return parts.join(' ');
}
