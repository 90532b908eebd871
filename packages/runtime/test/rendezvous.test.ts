import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseLocalAddress, connectZmqTransport, parseHostPort, type Transport } from '@dtrain/runtime';
import { zmqPair } from './helpers/zmq-pair.js';
import { freePort } from '../../../test-utils/index.js';

const secret = 'rendezvous-secret-0123456789';

describe('rendezvous', () => {
  let open: Transport[] = [];
  afterEach(async () => {
    await Promise.all(open.map((t) => t.close()));
    open = [];
  });

  it('gives every rank the same table of distinct loopback addresses', async () => {
    open = await zmqPair(4, 'tcp', 5_000);
    const tables = open.map((t) => Array.from({ length: 4 }, (_, r) => t.address(r)));
    for (const table of tables) expect(table).toEqual(tables[0]);
    expect(new Set(tables[0]).size).toBe(4);
    for (const a of tables[0]!) expect(a).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  });

  it('removes ipc files on close', async () => {
    open = await zmqPair(2, 'ipc', 5_000);
    const paths = open.map((t) => t.address(t.rank).slice('ipc://'.length));
    for (const p of paths) expect(existsSync(p)).toBe(true);
    await Promise.all(open.map((t) => t.close()));
    for (const p of paths) expect(existsSync(p)).toBe(false);
  });

  it('refuses a rank whose world size differs, and a second claim of a taken rank', async () => {
    const port = await freePort();
    const base = { rendezvous: `127.0.0.1:${port}`, jobId: 'rv-size', secret, timeoutMs: 5_000 };
    const zero = connectZmqTransport({ ...base, rank: 0, size: 2 });
    await expect(connectZmqTransport({ ...base, rank: 1, size: 3 })).rejects.toMatchObject({ code: 'E_RENDEZVOUS_REFUSED' });
    const one = connectZmqTransport({ ...base, rank: 1, size: 2 });
    open = await Promise.all([zero, one]);
    const error = await connectZmqTransport({ ...base, rank: 1, size: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_RENDEZVOUS_REFUSED' });
    expect((error as Error).message).toContain('rank 1 already joined');
  });

  it('times out on both sides naming what is missing', async () => {
    const port = await freePort();
    const base = { rendezvous: `127.0.0.1:${port}`, jobId: 'rv-timeout', secret, timeoutMs: 300 };
    const zero = await connectZmqTransport({ ...base, rank: 0, size: 3 }).catch((e: unknown) => e);
    expect(zero).toMatchObject({ code: 'E_RENDEZVOUS_TIMEOUT' });
    expect((zero as Error).message).toContain('ranks 1, 2 of 3');
    const port2 = await freePort();
    const lone = await connectZmqTransport({ ...base, rendezvous: `127.0.0.1:${port2}`, rank: 1, size: 2 }).catch((e: unknown) => e);
    expect(lone).toMatchObject({ code: 'E_RENDEZVOUS_TIMEOUT' });
    expect((lone as Error).message).toContain(`127.0.0.1:${port2}`);
  });

  it('rejects configurations without a secret or with a bad rendezvous', async () => {
    const base = { rank: 0, size: 2, rendezvous: '127.0.0.1:1', jobId: 'rv-config', secret, timeoutMs: 300 };
    await expect(connectZmqTransport({ ...base, secret: '' })).rejects.toMatchObject({ code: 'E_RENDEZVOUS_CONFIG' });
    await expect(connectZmqTransport({ ...base, rank: 2 })).rejects.toMatchObject({ code: 'E_RENDEZVOUS_CONFIG' });
    expect(() => parseHostPort('nohost')).toThrow(expect.objectContaining({ code: 'E_RENDEZVOUS_CONFIG' }));
    expect(() => parseHostPort('h:70000')).toThrow(expect.objectContaining({ code: 'E_RENDEZVOUS_CONFIG' }));
    expect(parseHostPort('[::1]:29600')).toEqual({ host: '::1', port: 29600 });
  });
});

describe('interface choice', () => {
  const local = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((e) => e.address));

  it('uses loopback for a loopback rendezvous, and a named interface or IP when given', async () => {
    expect(await chooseLocalAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(await chooseLocalAddress('localhost')).toBe('127.0.0.1');
    expect(await chooseLocalAddress('10.9.8.7', '127.0.0.1')).toBe('127.0.0.1');
    const lo = Object.entries(networkInterfaces()).find(([, l]) => l?.some((e) => e.address === '127.0.0.1'))?.[0];
    if (lo !== undefined) expect(await chooseLocalAddress('10.9.8.7', lo)).toBe('127.0.0.1');
    await expect(chooseLocalAddress('10.9.8.7', 'no-such-iface0')).rejects.toMatchObject({ code: 'E_TRANSPORT_IFACE' });
  });

  it('otherwise picks a local address that routes to the rendezvous host', async () => {
    const external = local.find((a) => !a.startsWith('127.') && a.includes('.'));
    if (external === undefined) return; // no non-loopback IPv4 here: nothing to route to
    const chosen = await chooseLocalAddress(external);
    expect(local).toContain(chosen);
  });
});
