/**
 * A TCP proxy for tests that sits on the path of one ZeroMQ connection: it
 * records every byte in both directions and, for the NULL mechanism (no
 * CURVE), can rewrite whole ZMTP 3 messages on their way (change a bit,
 * send one twice, inject a captured one later), as an attacker on the path
 * could. Commands (READY, heartbeats) pass untouched.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type Direction = 'toServer' | 'toClient';
/** Given one message (its parts), the messages to send on instead (none: drop it). */
export type Tamper = (direction: Direction, parts: Buffer[]) => Buffer[][];

export interface Proxy {
  port: number;
  /** Every byte that crossed, per direction. */
  captured(direction: Direction): Buffer;
  /** Writes a message into the stream of every open connection (NULL mechanism only). */
  inject(direction: Direction, parts: Buffer[]): void;
  close(): Promise<void>;
}

const GREETING_BYTES = 64;

/** Splits a ZMTP 3 byte stream into its greeting, commands and messages. */
class ZmtpParser {
  private buffered = Buffer.alloc(0);
  /** Greeting bytes still to pass through (they go on at once: each side waits for the other's first bytes). */
  private greeting = GREETING_BYTES;
  private parts: Buffer[] = [];

  constructor(
    private readonly raw: (bytes: Buffer) => void,
    private readonly message: (parts: Buffer[]) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.greeting > 0) {
      const n = Math.min(this.greeting, chunk.length);
      this.raw(chunk.subarray(0, n));
      this.greeting -= n;
      chunk = chunk.subarray(n);
    }
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (this.buffered.length < 2) return;
      const flags = this.buffered[0]!;
      const long = (flags & 2) !== 0;
      const headerBytes = long ? 9 : 2;
      if (this.buffered.length < headerBytes) return;
      const size = long ? Number(this.buffered.readBigUInt64BE(1)) : this.buffered[1]!;
      if (this.buffered.length < headerBytes + size) return;
      const frame = this.buffered.subarray(0, headerBytes + size);
      const body = Buffer.from(frame.subarray(headerBytes));
      this.buffered = this.buffered.subarray(headerBytes + size);
      if ((flags & 4) !== 0) {
        this.raw(Buffer.from(frame)); // a command
        continue;
      }
      this.parts.push(body);
      if ((flags & 1) === 0) {
        const parts = this.parts;
        this.parts = [];
        this.message(parts);
      }
    }
  }
}

export function encodeMessage(parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  parts.forEach((part, i) => {
    const more = i < parts.length - 1 ? 1 : 0;
    if (part.length < 256) out.push(Buffer.from([more, part.length]));
    else {
      const h = Buffer.alloc(9);
      h[0] = more | 2;
      h.writeBigUInt64BE(BigInt(part.length), 1);
      out.push(h);
    }
    out.push(part);
  });
  return Buffer.concat(out);
}

/** Listens on a free loopback port and forwards to 127.0.0.1:`target` (a function: the port may be known later). */
export async function startProxy(target: () => number, options: { tamper?: Tamper; parse?: boolean } = {}): Promise<Proxy> {
  const captured: Record<Direction, Buffer[]> = { toServer: [], toClient: [] };
  const writers: Array<Record<Direction, (b: Buffer) => void>> = [];
  const sockets = new Set<Socket>();
  const parse = options.parse ?? true;
  const server: Server = createServer((client) => {
    const upstream = connect(target(), '127.0.0.1');
    sockets.add(client).add(upstream);
    const write: Record<Direction, (b: Buffer) => void> = {
      toServer: (b) => upstream.write(b),
      toClient: (b) => client.write(b),
    };
    writers.push(write);
    const pipe = (from: Socket, direction: Direction): void => {
      const parser = parse
        ? new ZmtpParser(write[direction], (parts) => {
            for (const m of options.tamper?.(direction, parts) ?? [parts]) write[direction](encodeMessage(m));
          })
        : undefined;
      from.on('data', (chunk: Buffer) => {
        captured[direction].push(Buffer.from(chunk));
        if (parser === undefined) write[direction](chunk);
        else parser.push(chunk);
      });
    };
    pipe(client, 'toServer');
    pipe(upstream, 'toClient');
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    captured: (direction) => Buffer.concat(captured[direction]),
    inject: (direction, parts) => {
      for (const w of writers) w[direction](encodeMessage(parts));
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
