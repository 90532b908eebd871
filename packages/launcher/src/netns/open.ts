/**
 * The emulated cluster of a command's `--cluster netns` (launch, bench comm):
 * not being root, or a machine without `ip`/`tc`, is the user's to fix, so
 * it is a usage error (exit 2) that names the flag.
 */
import { NetnsError, UsageError } from '../errors.js';
import { createNetnsCluster, type NetnsCluster } from './cluster.js';

export async function openCluster(nodes: number, settings: { rate?: string }): Promise<NetnsCluster> {
  try {
    return await createNetnsCluster({ nodes, ...settings });
  } catch (err) {
    if (err instanceof NetnsError && (err.code === 'E_NETNS_NOT_ROOT' || err.code === 'E_NETNS_NO_IP')) {
      throw new UsageError(`--cluster netns: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
