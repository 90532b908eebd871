/**
 * Received frames freed young (transport/release.ts): a young-generation
 * collection every RELEASE_EVERY_BYTES of released bodies, whatever order
 * they come back in; the DTRAIN_RELEASE_MIB setting; and V8's own scavenge.
 * Over real processes the counts are checked in exchange-memory.test.ts.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { FrameRelease, RELEASE_EVERY_BYTES, releaseEveryBytes } from '../src/transport/release.js';
import { TransportError } from '../src/errors.js';

const MIB = 1024 * 1024;

function counted(everyBytes: number): { release: FrameRelease; calls: () => number } {
  let n = 0;
  return { release: new FrameRelease(everyBytes, () => (n += 1)), calls: () => n };
}

describe('FrameRelease', () => {
  it('collects once per interval of released bytes, in any order of body sizes', () => {
    const sizes = [4, 3, 4, 1, 4, 2.5, 4, 4, 0.5, 4, 3, 4].map((m) => Math.round(m * MIB));
    const total = sizes.reduce((a, b) => a + b, 0);
    for (const order of [sizes, [...sizes].reverse(), [...sizes].sort((a, b) => a - b)]) {
      const { release, calls } = counted(16 * MIB);
      for (const s of order) release.done(s);
      expect(calls()).toBe(Math.floor(total / (16 * MIB)));
      expect(release.stats()).toEqual({ bodies: sizes.length, bytes: total, scavenges: calls() });
    }
  });

  it('leaves small bodies alone (zeromq.js copies parts of up to 128 bytes) and does nothing at interval 0', () => {
    const small = counted(256);
    for (let i = 0; i < 100; i++) small.release.done(128);
    expect(small.calls()).toBe(0);
    expect(small.release.stats().bodies).toBe(0);
    small.release.done(129);
    small.release.done(129);
    expect(small.calls()).toBe(1);
    const off = counted(0);
    for (let i = 0; i < 10; i++) off.release.done(64 * MIB);
    expect(off.calls()).toBe(0);
    expect(off.release.stats()).toEqual({ bodies: 0, bytes: 0, scavenges: 0 });
  });

  it('runs a real young-generation collection by default', async () => {
    const minors: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minors.push(e.duration);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    const release = new FrameRelease(1 * MIB);
    for (let i = 0; i < 3; i++) release.done(1 * MIB);
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    expect(release.stats().scavenges).toBe(3);
    expect(minors.length).toBeGreaterThanOrEqual(3);
  });
});

describe('DTRAIN_RELEASE_MIB', () => {
  it('defaults to 16 MiB, takes MiB (0 turns it off), and names a bad value with the fix', () => {
    expect(RELEASE_EVERY_BYTES).toBe(16 * MIB);
    expect(releaseEveryBytes({})).toBe(RELEASE_EVERY_BYTES);
    expect(releaseEveryBytes({ DTRAIN_RELEASE_MIB: '' })).toBe(RELEASE_EVERY_BYTES);
    expect(releaseEveryBytes({ DTRAIN_RELEASE_MIB: '8' })).toBe(8 * MIB);
    expect(releaseEveryBytes({ DTRAIN_RELEASE_MIB: '0' })).toBe(0);
    for (const bad of ['-1', 'lots', 'NaN']) {
      expect(() => releaseEveryBytes({ DTRAIN_RELEASE_MIB: bad })).toThrow(TransportError);
      expect(() => releaseEveryBytes({ DTRAIN_RELEASE_MIB: bad })).toThrow(new RegExp(`DTRAIN_RELEASE_MIB="${bad}".*DTRAIN_RELEASE_MIB=16, or 0`));
    }
  });
});
