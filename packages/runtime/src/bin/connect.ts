/** Open this worker's ZeroMQ transport from the environment contract (env.ts). */
import { readWorkerEnv } from '../env.js';
import { connectZmqTransport } from '../transport/connect.js';
import { resolveSecureMode } from '../transport/secure.js';
import type { Transport } from '../transport/types.js';

export async function openTransport(protocol: 'tcp' | 'ipc', timeoutMs: number): Promise<Transport> {
  const env = readWorkerEnv();
  const host = env.rendezvous.host.includes(':') ? `[${env.rendezvous.host}]` : env.rendezvous.host;
  return connectZmqTransport({
    rank: env.rank,
    size: env.worldSize,
    rendezvous: `${host}:${env.rendezvous.port}`,
    jobId: env.jobId,
    secret: env.secret,
    iface: env.options.iface,
    protocol,
    timeoutMs,
    secure: resolveSecureMode(env.options.secure),
  });
}
