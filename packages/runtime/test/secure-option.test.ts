import { describe, expect, it } from 'vitest';
import { connectZmqTransport, init } from '@dtrain/runtime';

describe('the --secure option', () => {
  it('init() refuses an unknown DTRAIN_SECURE before any work, naming the value and the choices', async () => {
    await expect(init({ env: { DTRAIN_SECURE: 'tls' }, backend: 'cpu' })).rejects.toMatchObject({
      code: 'E_WORKER_ENV',
      variable: 'DTRAIN_SECURE',
      message: expect.stringMatching(/DTRAIN_SECURE="tls" is not a protection mode; use one of mac, curve/),
    });
  });

  it('connectZmqTransport refuses an unknown mode', async () => {
    await expect(
      connectZmqTransport({ rank: 0, size: 1, rendezvous: '127.0.0.1:1', jobId: 'j', secret: 'secret-0123456789abc', secure: 'tls' as 'mac' }),
    ).rejects.toMatchObject({ code: 'E_TRANSPORT_ARGUMENT', message: expect.stringContaining("secure must be one of mac, curve; got 'tls'") });
  });
});
