/** The replacement's variable of the environment contract (elastic, docs/elastic.md). */
import { WorkerEnvError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

function present(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/**
 * Set by `dtrain launch --max-restarts` on a replacement process: the job's
 * table as last known ({addresses, instances}, from every rank's init line).
 * The replacement asks the live ranks to take it back in instead of
 * meeting them at the rendezvous (docs/elastic.md).
 */
export const REJOIN_VAR = 'DTRAIN_REJOIN';

/** The table of DTRAIN_REJOIN, if set; WorkerEnvError when it is not one of `size` ranks. */
export function readRejoin(env: Env, size: number): { addresses: string[]; instances: string[] } | undefined {
  const raw = present(env, REJOIN_VAR);
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = undefined;
  }
  const t = v as { addresses?: unknown; instances?: unknown } | undefined;
  const list = (x: unknown, ok: (s: unknown) => boolean): x is string[] => Array.isArray(x) && x.length === size && x.every(ok);
  if (t === undefined || !list(t.addresses, (a) => typeof a === 'string') || !list(t.instances, (i) => typeof i === 'string' && /^[0-9a-f]{16}$/.test(i))) {
    throw new WorkerEnvError(REJOIN_VAR, `${REJOIN_VAR} is not a job table of ${size} ranks ({addresses, instances}); only dtrain launch --max-restarts sets it: unset it`);
  }
  return { addresses: t.addresses, instances: t.instances };
}
