/**
 * How a worker ends on an error its script did not catch: one line on
 * stderr, `E_CODE: message` for a dtrain error (a DtrainError, or any error
 * with an E_ code, such as a tfjs-node or ZeroMQ error we wrapped), and exit
 * code 1, on every backend. An error without a code is a bug in the script
 * or in dtrain, so its stack is shown too.
 *
 * The handler comes first among the process's handlers (prepended), and
 * exits at once: the wasm backend registers handlers that re-throw every
 * uncaught error, which makes Node print a trace into the backend's bundle
 * and exit with 7; and open sockets or timers would keep the process alive.
 */
import { DtrainError } from '@dtrain/topology';

function hasCode(err: unknown): err is Error & { code: string } {
  if (!(err instanceof Error)) return false;
  const code: unknown = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && /^E_[A-Z0-9_]+$/.test(code);
}

/** The text a worker prints for an error that ends it (one line for a coded error). */
export function describeFailure(err: unknown): string {
  if (err instanceof DtrainError || hasCode(err)) return `${err.code}: ${err.message.replace(/\s*\n\s*/g, ' ')}`;
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return `uncaught: ${String(err)}`;
}

/** Exit code of a worker that failed (the launcher stops the others and reports it). */
export const EXIT_FAILED = 1;

let installed = false;

/** Print `describeFailure(err)` and exit 1 on any uncaught error or unhandled rejection (idempotent). */
export function installFailureHandler(proc: NodeJS.Process = process): void {
  if (installed) return;
  installed = true;
  const fail = (err: unknown): void => {
    try {
      proc.stderr.write(`${describeFailure(err)}\n`);
    } finally {
      proc.exitCode = EXIT_FAILED;
      proc.exit(EXIT_FAILED);
    }
  };
  proc.prependListener('uncaughtException', fail);
  proc.prependListener('unhandledRejection', fail);
}
