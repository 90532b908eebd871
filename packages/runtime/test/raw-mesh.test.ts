// The bench's raw sockets listen where the ZeroMQ transport bound: its IPv4
// address, else loopback as they always did (ipc, IPv6).
import { describe, expect, it } from 'vitest';
import { meshHost } from '../src/bin/raw-mesh.js';

describe('meshHost', () => {
  it("takes the transport's own IPv4 address", () => {
    expect(meshHost('tcp://10.213.0.2:41234')).toBe('10.213.0.2');
    expect(meshHost('tcp://127.0.0.1:5000')).toBe('127.0.0.1');
  });

  it('falls back to loopback for ipc and IPv6 endpoints', () => {
    expect(meshHost('ipc:///tmp/dtrain-x.sock')).toBe('127.0.0.1');
    expect(meshHost('tcp://[::1]:5000')).toBe('127.0.0.1');
    expect(meshHost('rank 1 (no address)')).toBe('127.0.0.1');
  });
});
