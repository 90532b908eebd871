/** Open this worker's ZeroMQ transport from the environment contract (env.ts). */
import { readWorkerEnv } from '../env.js';
import { connectZmqTransport } from '../transport/connect.js';
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
  });
}

/** Pause before closing so acknowledgements of the last frames still go out. */
export const CLOSE_DELAY_MS = 100;

/** Close after CLOSE_DELAY_MS: the transport's close() may drop acknowledgements still queued. */
export async function closeSoon(transport: Transport): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, CLOSE_DELAY_MS));
  await transport.close();
}
