/** Where the compiled worker entry scripts live, for launchers that spawn them. */
import { fileURLToPath } from 'node:url';

export type WorkerScript = 'consensus' | 'bench' | 'check' | 'step';

/** Absolute path of a worker entry script (in dist/bin next to this module). */
export function workerScriptPath(name: WorkerScript): string {
  return fileURLToPath(new URL(`./${name}-worker.js`, import.meta.url));
}
