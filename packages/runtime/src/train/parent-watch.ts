/**
 * What ends a worker from outside: its launcher vanishing, or a termination
 * signal. Either way the worker closes its transport (peers see 'bye', ipc
 * files go) within a bounded time and exits non-zero.
 *
 * Node cannot ask the kernel to signal it when its parent dies
 * (PR_SET_PDEATHSIG), so the launcher passes its pid in DTRAIN_PARENT_PID
 * and the worker polls: the parent is gone when this process was
 * re-parented (process.ppid changed) or no process has that pid. The poll
 * timer is unref'd, so it never keeps a finished worker alive.
 */
import { WorkerEnvError } from '../errors.js';
import type { Transport } from '../transport/types.js';

/** Set by `dtrain launch` for the ranks it starts on this host. */
export const PARENT_PID_VAR = 'DTRAIN_PARENT_PID';
/** How often the parent is looked for. */
export const PARENT_POLL_MS = 500;
/** Longest wait for the transport to close before exiting anyway. */
export const SHUTDOWN_CLOSE_MS = 1000;
/** Exit status of a worker whose launcher is gone. */
export const EXIT_PARENT_GONE = 1;
/** Exit status per handled signal (128 + signal number, as a shell reports it). */
export const SIGNAL_EXIT_CODES: Readonly<Record<'SIGTERM' | 'SIGINT' | 'SIGHUP', number>> = { SIGTERM: 143, SIGINT: 130, SIGHUP: 129 };

/** DTRAIN_PARENT_PID as a pid, undefined when unset; throws WorkerEnvError when malformed. */
export function readParentPid(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env[PARENT_PID_VAR]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new WorkerEnvError(PARENT_PID_VAR, `${PARENT_PID_VAR}=${JSON.stringify(raw)} is not a process id; unset it or set the launcher's pid`);
  }
  return Number(raw);
}

/** True while a process with this pid exists (EPERM: it exists but is not ours). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface WatchOptions {
  /** The launcher's pid (DTRAIN_PARENT_PID); undefined: no parent watch, signals only. */
  parentPid?: number;
  /** Told why the worker is stopping, before it closes (not called when the parent is gone: nobody reads stdout then). */
  onStop?(reason: string): void;
  pollMs?: number;
  closeMs?: number;
  /** Injected for tests; default process.exit. */
  exit?(code: number): void;
}

export interface ProcessWatch {
  /**
   * Hand over the transport to close on the way out. Returns the transport to
   * use from now on: it delegates everything to `transport`, and its close()
   * also ends the watch, so a session that ends normally leaves nothing behind.
   */
  attach(transport: Transport): Transport;
  /** Remove the signal handlers and the poll timer (idempotent). */
  stop(): void;
}

const SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[];

/**
 * Watch the parent and the termination signals from now on (start it before
 * the rendezvous, which may wait long); `attach` the transport once connected.
 */
export function watchProcess(options: WatchOptions = {}): ProcessWatch {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const closeMs = options.closeMs ?? SHUTDOWN_CLOSE_MS;
  let stopped = false;
  let shuttingDown = false;
  const startPpid = process.ppid;
  let transport: Transport | undefined;

  const shutdown = (code: number, reason: string | null): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    stop();
    if (reason !== null) options.onStop?.(reason);
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, closeMs)));
    const closing = transport === undefined ? Promise.resolve() : transport.close().catch(() => undefined);
    void Promise.race([closing, bounded]).then(() => {
      clearTimeout(timer);
      exit(code);
    });
  };

  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => shutdown(SIGNAL_EXIT_CODES[signal], `received ${signal}; closing the transport and exiting with ${SIGNAL_EXIT_CODES[signal]}`);
    process.on(signal, handler);
    return [signal, handler] as const;
  });

  const parentPid = options.parentPid;
  const poll =
    parentPid === undefined
      ? undefined
      : setInterval(() => {
          if (process.ppid !== startPpid || !processExists(parentPid)) {
            // Our stdout most likely went with the launcher: writing to it would fail.
            process.stdout.on('error', () => undefined);
            process.stderr.on('error', () => undefined);
            shutdown(EXIT_PARENT_GONE, null);
          }
        }, options.pollMs ?? PARENT_POLL_MS);
  poll?.unref();

  function stop(): void {
    if (stopped) return;
    stopped = true;
    if (poll !== undefined) clearInterval(poll);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }

  function attach(t: Transport): Transport {
    transport = t;
    // Delegate every member (including ones added to Transport later); close() also ends the watch.
    const close = async (): Promise<void> => {
      stop();
      await t.close();
    };
    return new Proxy(t, {
      get(target, prop) {
        if (prop === 'close') return close;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
  return { attach, stop };
}
