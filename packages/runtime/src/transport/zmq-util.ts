/** Small helpers of the ZeroMQ transport. */
import type { LinkOptions } from './link.js';
import type { Router } from 'zeromq';
import type { CurveKeys } from './curve.js';
import type { DecodeContext, FrameCodec } from './frame.js';
import type { FrameRelease } from './release.js';
import type { DropReason, LostCause } from './types.js';

export interface ZmqTransportInit {
  rank: number;
  size: number;
  /** Endpoint of every rank's ROUTER, index = rank. */
  addresses: readonly string[];
  /** This rank's ROUTER, bound at addresses[rank] (CURVE already configured). */
  router: Router;
  /** Mutable: limitFrames() lowers maxElements. */
  ctx: DecodeContext;
  codec: FrameCodec;
  timeoutMs: number;
  maxInflightBytes: number;
  lostGraceMs: number;
  retransmitMs: number;
  copy: boolean;
  /** Frees received frames young (release.ts). */
  release: FrameRelease;
  curve: CurveKeys | undefined;
  onDrop: ((reason: DropReason, count: number) => void) | undefined;
  /** Heartbeat interval of every link (ms; 0: none) and the silent intervals after which its peer is lost. */
  heartbeatMs: number;
  heartbeatMisses: number;
  /** Told once per peer when it counts as lost, and why. */
  onPeerLost: ((peer: number, why: string, cause: LostCause) => void) | undefined;
  /** IPv4 address the ROUTER is bound on and published (not with `advertise`): links connect from it. */
  sourceIp: string | undefined;
  /** Admit connections from `host` from now on (a replacement on another host). */
  allowHost(host: string): void;
  /** Runs last in close(): rendezvous socket, ipc file, ZAP domain. */
  cleanup(): Promise<void>;
}

/** What every Link of a transport shares. */
export function linkSettings(init: ZmqTransportInit): Omit<LinkOptions, 'rank' | 'peer' | 'address' | 'onLost' | 'onDrop' | 'onRetransmit'> {
  return {
    sourceIp: init.sourceIp, codec: init.codec, ctx: init.ctx, timeoutMs: init.timeoutMs, maxInflightBytes: init.maxInflightBytes,
    lostGraceMs: init.lostGraceMs, retransmitMs: init.retransmitMs, copy: init.copy, curve: init.curve,
    heartbeatMs: init.heartbeatMs, heartbeatMisses: init.heartbeatMisses,
  };
}

/** Resolves after `ms`, or earlier when one of `waiters` (a list the caller empties and calls) wakes it. */
export function wakeable(ms: number, waiters: (() => void)[]): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    waiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** ZeroMQ's per-part limit for bodies of up to `maxElements` floats (never below 64 KiB: headers, small collectives; +256: CURVE's framing). */
export function partLimit(maxElements: number): number {
  return Math.max(maxElements * 4, 64 * 1024) + 256;
}

/** Resolves when `work` settles or at `deadline`, whichever comes first. */
export async function untilOr(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
  await Promise.race([work.then(() => undefined, () => undefined), late]);
  clearTimeout(timer);
}
