/** n ZeroMQ transports in this process, joined through a rendezvous on a free loopback port. */
import { connectZmqTransport, type Transport, type ZmqConnectOptions } from '@dtrain/runtime';
import { freePort } from '../../../../test-utils/index.js';

export async function zmqPair(
  size: number,
  protocol: 'tcp' | 'ipc',
  timeoutMs: number,
  extra: Partial<ZmqConnectOptions> = {},
): Promise<Transport[]> {
  const port = await freePort();
  const jobId = `contract-${port}`;
  return Promise.all(
    Array.from({ length: size }, (_, rank) =>
      connectZmqTransport({
        rank,
        size,
        rendezvous: `127.0.0.1:${port}`,
        jobId,
        secret: 'contract-secret-0123456789',
        protocol,
        timeoutMs,
        lostGraceMs: 200,
        ...extra,
      }),
    ),
  );
}
