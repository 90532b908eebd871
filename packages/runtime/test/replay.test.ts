import { describe, expect, it } from 'vitest';
import { ReplayGuard, ReplayWindow, REPLAY_WINDOW } from '../src/transport/replay.js';

describe('replay window', () => {
  it('accepts each number once, in or out of order within the window', () => {
    const w = new ReplayWindow();
    expect([1, 2, 3].map((s) => w.accept(s))).toEqual([true, true, true]);
    expect(w.accept(2)).toBe(false);
    expect(w.accept(5)).toBe(true);
    expect(w.accept(4)).toBe(true); // a retransmit of a frame dropped on the way
    expect(w.accept(4)).toBe(false);
    expect(w.accept(0)).toBe(false);
  });

  it('refuses numbers below the window and forgets nothing inside it after a jump', () => {
    const w = new ReplayWindow();
    expect(w.accept(10)).toBe(true);
    expect(w.accept(10 + REPLAY_WINDOW)).toBe(true);
    expect(w.accept(10)).toBe(false);
    expect(w.accept(11)).toBe(true);
    expect(w.accept(11)).toBe(false);
    expect(w.accept(10 + 3 * REPLAY_WINDOW)).toBe(true);
    expect(w.accept(10 + 3 * REPLAY_WINDOW - 1)).toBe(true);
    expect(w.accept(10 + REPLAY_WINDOW)).toBe(false);
  });

  it('keeps each peer and space apart: a replayed ack number does not move the data counter', () => {
    const g = new ReplayGuard();
    expect(g.accept(1, 'reply', 900)).toBe(true);
    expect(g.accept(1, 'data', 1)).toBe(true);
    expect(g.accept(1, 'control', 1)).toBe(true);
    expect(g.accept(2, 'data', 1)).toBe(true);
    expect(g.accept(1, 'data', 1)).toBe(false);
    expect(g.accept(1, 'data', 2)).toBe(true);
  });
});
