/**
 * The baseline of `dtrain bench comm`: plain Node `net` sockets between the
 * same processes, with every byte read straight into a preallocated buffer
 * (the socket's `onread` buffer is the destination itself), no framing, no
 * acknowledgements. What the communicator's transport is measured against.
 *
 * Every rank listens once and connects once to every other rank. A
 * connection carries data one way: the connecting side receives (it owns
 * the onread buffer), the accepting side sends. Over tcp each rank listens
 * on the IPv4 address its ZeroMQ transport bound (meshHost), 127.0.0.1 on
 * one machine, its own emulated host's address on an emulated cluster, so
 * the raw traffic crosses the same links as the communicator's.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { Communicator } from '../comm/communicator.js';
import { hostOf } from '../transport/hosts.js';

const SCRATCH_BYTES = 64 * 1024;
const LOOPBACK = '127.0.0.1';

/**
 * The IPv4 address to listen on, from the transport's own endpoint
 * (`transport.address(rank)`, e.g. tcp://10.213.0.2:4100); loopback for
 * anything else (ipc, IPv6), as the mesh always listened before.
 */
export function meshHost(ownEndpoint: string): string {
  const host = hostOf(ownEndpoint);
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? host : LOOPBACK;
}

/** [a, b, c, d, port]: what each rank tells the others of its listener. */
function encodeListener(host: string, port: number): number[] {
  return [...host.split('.').map(Number), port];
}

function decodeListener(v: ArrayLike<number>): { host: string; port: number } {
  return { host: Array.from({ length: 4 }, (_, i) => String(v[i])).join('.'), port: v[4] };
}

interface Sink {
  target: Uint8Array | null;
  offset: number;
  done: (() => void) | null;
  early: Buffer[];
}

export class RawMesh {
  private constructor(
    private readonly server: Server,
    private readonly senders: Map<number, Socket>,
    private readonly receivers: Map<number, { socket: Socket; sink: Sink }>,
    private readonly path: string | undefined,
  ) {}

  /** Connect every pair of ranks; `comm` exchanges the listeners' addresses and ports; `host`: see meshHost. */
  static async open(comm: Communicator, protocol: 'tcp' | 'ipc', jobId: string, host: string = LOOPBACK): Promise<RawMesh> {
    const { rank, size } = comm;
    const senders = new Map<number, Socket>();
    let accepted: () => void = () => undefined;
    const allAccepted = new Promise<void>((resolve) => (accepted = resolve));
    if (size === 1) accepted();
    const server = createServer({ noDelay: true }, (socket) => {
      socket.once('data', (hello) => {
        senders.set(hello.readUInt32LE(0), socket);
        if (senders.size === size - 1) accepted();
      });
    });
    const pathOf = (r: number): string => join(tmpdir(), `dtrain-raw-${jobId}-${r}.sock`);
    const path = protocol === 'ipc' ? pathOf(rank) : undefined;
    if (path !== undefined) rmSync(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (path !== undefined) server.listen(path, resolve);
      else server.listen(0, host, resolve);
    });
    const addr = server.address();
    const listeners = (await comm.allgather(encodeListener(host, typeof addr === 'object' && addr !== null ? addr.port : 0))).map(decodeListener);
    const receivers = new Map<number, { socket: Socket; sink: Sink }>();
    const scratch = Buffer.alloc(SCRATCH_BYTES);
    const connects: Promise<void>[] = [];
    for (let peer = 0; peer < size; peer++) {
      if (peer === rank) continue;
      const sink: Sink = { target: null, offset: 0, done: null, early: [] };
      const onread = {
        buffer: (): Uint8Array =>
          sink.target !== null && sink.offset < sink.target.length ? sink.target.subarray(sink.offset) : scratch,
        callback: (n: number, buf: Uint8Array): boolean => {
          if (buf.buffer === scratch.buffer) land(sink, buf.subarray(0, n));
          else advance(sink, n);
          return true;
        },
      };
      const target = path !== undefined ? { path: pathOf(peer) } : listeners[peer];
      const socket = connect({ ...target, noDelay: true, onread });
      connects.push(
        new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.once('connect', () => {
            const hello = Buffer.alloc(4);
            hello.writeUInt32LE(rank, 0);
            socket.write(hello, () => resolve());
          });
        }),
      );
      receivers.set(peer, { socket, sink });
    }
    await Promise.all(connects);
    await allAccepted;
    await comm.barrier();
    return new RawMesh(server, senders, receivers, path);
  }

  /** Resolves once `target` is filled with the next bytes from `peer`; call before the peer sends. */
  expect(peer: number, target: Uint8Array): Promise<void> {
    const { sink } = this.receivers.get(peer)!;
    return new Promise<void>((resolve) => {
      sink.target = target;
      sink.offset = 0;
      sink.done = resolve;
      for (const chunk of sink.early.splice(0)) land(sink, chunk);
      if (target.length === 0) advance(sink, 0);
    });
  }

  /** Resolves once the bytes are handed to the kernel. */
  send(peer: number, bytes: Uint8Array): Promise<void> {
    const socket = this.senders.get(peer)!;
    return new Promise<void>((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  close(): void {
    for (const s of this.senders.values()) s.destroy();
    for (const r of this.receivers.values()) r.socket.destroy();
    this.server.close();
    if (this.path !== undefined) rmSync(this.path, { force: true });
  }
}

/** Bytes that were read into scratch memory: copy them into the target, keep the rest for later. */
function land(sink: Sink, chunk: Uint8Array): void {
  if (sink.target === null) {
    sink.early.push(Buffer.from(chunk));
    return;
  }
  const take = Math.min(chunk.length, sink.target.length - sink.offset);
  sink.target.set(chunk.subarray(0, take), sink.offset);
  advance(sink, take);
  if (take < chunk.length) land(sink, chunk.subarray(take));
}

function advance(sink: Sink, n: number): void {
  sink.offset += n;
  if (sink.target !== null && sink.offset >= sink.target.length) {
    const done = sink.done;
    sink.target = null;
    sink.done = null;
    done?.();
  }
}
