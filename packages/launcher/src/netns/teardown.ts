/**
 * Removing namespaces: SIGKILL what still runs inside them (only processes in
 * namespaces we created), wait for those to go, then `ip netns del`. Deleting
 * a namespace destroys the veth ends and the bridge inside it, so nothing is
 * left in the root namespace. The async form is used by destroy(); the
 * synchronous one by process 'exit' and signal handlers.
 */
import { parsePids, run, runSync } from './ip.js';

/** How long destroy() waits for killed processes to leave a namespace. */
const EXIT_WAIT_MS = 3_000;
const POLL_MS = 20;

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function pidsIn(ip: string, ns: string): Promise<number[]> {
  try {
    return parsePids(await run(ip, ['netns', 'pids', ns]));
  } catch {
    return [];
  }
}

async function listNamespaces(ip: string): Promise<Set<string>> {
  try {
    const text = await run(ip, ['netns', 'list']);
    return new Set(text.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? ''));
  } catch {
    return new Set();
  }
}

/** Remove `namespaces` (those that exist); returns the names that could not be removed. */
export async function teardown(ip: string, namespaces: readonly string[]): Promise<string[]> {
  const existing = await listNamespaces(ip);
  const present = namespaces.filter((ns) => existing.has(ns));
  for (const ns of present) killAll(await pidsIn(ip, ns));
  for (let waited = 0; waited < EXIT_WAIT_MS; waited += POLL_MS) {
    const left = (await Promise.all(present.map((ns) => pidsIn(ip, ns)))).flat();
    if (left.length === 0) break;
    killAll(left);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const failed: string[] = [];
  for (const ns of present) {
    try {
      await run(ip, ['netns', 'del', ns]);
    } catch {
      failed.push(ns);
    }
  }
  return failed;
}

/** Best-effort synchronous teardown (no waiting: SIGKILLed processes release the namespace as they die). */
export function teardownSync(ip: string, namespaces: readonly string[]): void {
  for (const ns of namespaces) killAll(parsePids(runSync(ip, ['netns', 'pids', ns])));
  for (const ns of namespaces) runSync(ip, ['netns', 'del', ns]);
}
