/** n ZeroMQ transports in this process, joined through a rendezvous on a free loopback port. */
import { createServer } from 'node:net';
import { connectZmqTransport, type Transport, type ZmqConnectOptions } from '@dtrain/runtime';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

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
