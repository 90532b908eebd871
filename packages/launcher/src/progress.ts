/**
 * Training progress from the workers' NDJSON lines that carry numeric
 * `step` and `loss` (optional: `totalSteps`, `samplesPerSec`). Pure: the
 * caller passes the clock.
 */

export interface ProgressRecord {
  step: number;
  loss: number;
  totalSteps?: number;
  samplesPerSec?: number;
}

export function parseProgress(record: Record<string, unknown>): ProgressRecord | null {
  const { step, loss, totalSteps, samplesPerSec } = record;
  if (typeof step !== 'number' || typeof loss !== 'number' || !Number.isFinite(step)) return null;
  const out: ProgressRecord = { step, loss };
  if (typeof totalSteps === 'number' && totalSteps > 0) out.totalSteps = totalSteps;
  if (typeof samplesPerSec === 'number' && Number.isFinite(samplesPerSec)) out.samplesPerSec = samplesPerSec;
  return out;
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
  private first: { step: number; at: number } | null = null;

  update(rank: number, p: ProgressRecord, nowMs: number): void {
    this.latest.set(rank, p);
    if (this.first === null) this.first = { step: p.step, at: nowMs };
  }

  snapshot(nowMs: number): ProgressSnapshot | null {
    if (this.latest.size === 0 || this.first === null) return null;
    const all = [...this.latest.values()];
    const step = Math.min(...all.map((p) => p.step));
    const loss = all.reduce((s, p) => s + p.loss, 0) / all.length;
    const snap: ProgressSnapshot = { step, loss };
    const total = all.find((p) => p.totalSteps !== undefined)?.totalSteps;
    if (total !== undefined) snap.totalSteps = total;
    const rates = all.filter((p) => p.samplesPerSec !== undefined);
    if (rates.length > 0) snap.samplesPerSec = rates.reduce((s, p) => s + (p.samplesPerSec ?? 0), 0);
    const elapsedS = (nowMs - this.first.at) / 1000;
    const done = step - this.first.step;
    if (total !== undefined && done > 0 && elapsedS > 0) snap.etaS = Math.max(0, (total - step) / (done / elapsedS));
    return snap;
  }
}

export function formatDuration(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** `step 120/1000 [####......] 12% loss 0.4321 1.2e+3 samples/s ETA 1m20s` */
export function renderBar(s: ProgressSnapshot, barWidth = 20): string {
  const parts = [s.totalSteps !== undefined ? `step ${s.step}/${s.totalSteps}` : `step ${s.step}`];
  if (s.totalSteps !== undefined) {
    const frac = Math.min(1, Math.max(0, s.step / s.totalSteps));
    const full = Math.round(frac * barWidth);
    parts.push(`[${'#'.repeat(full)}${'.'.repeat(barWidth - full)}] ${Math.floor(frac * 100)}%`);
  }
  parts.push(`loss ${s.loss.toPrecision(4)}`);
  if (s.samplesPerSec !== undefined) parts.push(`${Math.round(s.samplesPerSec)} samples/s`);
  if (s.etaS !== undefined) parts.push(`ETA ${formatDuration(s.etaS)}`);
  return parts.join(' ');
}
