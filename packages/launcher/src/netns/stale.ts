/**
 * Leftovers: namespaces named by clusterNames(prefix, ...) whose owner
 * process is gone (killed with SIGKILL, or a machine crash before it could
 * clean up). Live clusters of running processes are left alone unless
 * `all` is set.
 */
import { readFileSync } from 'node:fs';
import { checkTools, run } from './ip.js';
import { DEFAULT_PREFIX, checkPrefix, parseNamespace, parseNetnsList } from './names.js';
import { teardown } from './teardown.js';

export interface StaleCleanupOptions {
  /** Also remove clusters whose owner still runs (default false). */
  all?: boolean;
}

function ownerAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Remove leftover namespaces of `prefix`; resolves with the names removed. */
export async function cleanupStaleClusters(prefix: string = DEFAULT_PREFIX, options: StaleCleanupOptions = {}): Promise<string[]> {
  checkPrefix(prefix);
  const { ip } = checkTools();
  const names = parseNetnsList(await run(ip, ['netns', 'list']));
  const stale = names.filter((name) => {
    const parsed = parseNamespace(prefix, name);
    return parsed !== null && (options.all === true || !ownerAlive(parsed.pid));
  });
  const failed = new Set(await teardown(ip, stale));
  return stale.filter((n) => !failed.has(n));
}
