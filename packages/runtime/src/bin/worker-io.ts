/**
 * What the communication workers share: reading their JSON parameters,
 * writing result records on stdout (one JSON object per line), and
 * turning a failure into a record plus a non-zero exit.
 */
import { CommError, PeerError } from '../errors.js';

/** A worker's report on stdout; the launcher validates it. */
export type WorkerRecord =
  | { readonly type: 'result'; readonly rank: number; readonly [key: string]: unknown }
  | {
      readonly type: 'error';
      readonly rank: number;
      readonly code: string;
      readonly peer: number | null;
      readonly message: string;
    };

export function emit(record: WorkerRecord): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** The worker's parameters: a JSON object in argv[2]. */
export function readParams(argv: readonly string[] = process.argv): Record<string, unknown> {
  const raw = argv[2];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw ?? '');
  } catch {
    throw new CommError('E_COMM_ARGUMENT', `worker parameters must be a JSON object in argv[2]; got ${JSON.stringify(raw)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CommError('E_COMM_ARGUMENT', `worker parameters must be a JSON object; got ${JSON.stringify(raw)}`);
  }
  return parsed as Record<string, unknown>;
}

export function intParam(params: Record<string, unknown>, key: string, min: number, fallback?: number): number {
  const v = params[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new CommError('E_COMM_ARGUMENT', `parameter ${key} must be an integer >= ${min}; got ${JSON.stringify(v)}`);
  }
  return v;
}

export function stringParam<T extends string>(params: Record<string, unknown>, key: string, allowed?: readonly T[], fallback?: T): T {
  const v = params[key] ?? fallback;
  if (typeof v !== 'string' || (allowed !== undefined && !allowed.includes(v as T))) {
    const choices = allowed === undefined ? 'a string' : `one of ${allowed.join(', ')}`;
    throw new CommError('E_COMM_ARGUMENT', `parameter ${key} must be ${choices}; got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Report `err` as an error record and on stderr, then exit 1. */
export function fail(rank: number, err: unknown): never {
  const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'E_WORKER';
  const peer = err instanceof PeerError ? err.peer : err instanceof CommError && err.peer !== undefined ? err.peer : null;
  const message = err instanceof Error ? err.message : String(err);
  emit({ type: 'error', rank, code, peer, message });
  process.stderr.write(`rank ${rank} failed: ${code}${peer === null ? '' : ` (peer rank ${peer})`}: ${message}\n`);
  process.exit(1);
}

/** Exit code of a worker that left on SIGTERM without finishing (128 + 15). */
export const TERM_EXIT_CODE = 143;

/** Longest a worker lingers after SIGTERM: a lost peer is noticed well within it (lostGraceMs). */
export const TERM_SETTLE_MAX_MS = 3_000;

/**
 * On SIGTERM (the launcher stops the job because another rank failed, or
 * the user interrupted it), give the pending operation up to `ms` (at most
 * TERM_SETTLE_MAX_MS) to fail by itself, so this rank still reports which
 * peer it lost, then exit with TERM_EXIT_CODE.
 */
export function settleOnTerm(ms: number): void {
  process.once('SIGTERM', () => setTimeout(() => process.exit(TERM_EXIT_CODE), Math.min(ms, TERM_SETTLE_MAX_MS)).unref());
}
