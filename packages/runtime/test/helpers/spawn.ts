/** Spawning fixture scripts (compiled dist/) and reading their JSON-line events. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Fixture {
  child: ChildProcess;
  /** Resolves with the first event of this type (rejects if the process exits first). */
  next(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  stderr(): string;
}

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export function startFixture(name: string, config: unknown, env: Record<string, string> = {}): Fixture {
  const child = spawn(process.execPath, [fixturePath(name), JSON.stringify(config)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Array<Record<string, unknown>> = [];
  const listeners: Array<() => void> = [];
  let err = '';
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        err += `(stdout) ${line}\n`;
      }
      for (const l of listeners.splice(0)) l();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    resolve(code);
    for (const l of listeners.splice(0)) l();
  }));
  let done = false;
  void exited.then(() => (done = true));
  const next = (event: string, timeoutMs = 20_000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${event}' from ${name} in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      const look = (): void => {
        const found = events.find((e) => e.event === event);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (done) {
          clearTimeout(timer);
          reject(new Error(`${name} exited before '${event}'; stderr: ${err}`));
        } else listeners.push(look);
      };
      look();
    });
  return { child, next, exited, stderr: () => err };
}

/** Kills a fixture if it still runs and waits for it. */
export async function stopFixture(f: Fixture | undefined): Promise<void> {
  if (f === undefined) return;
  if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGKILL');
  await f.exited;
}
