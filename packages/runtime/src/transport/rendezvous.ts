/**
 * Rendezvous: every rank tells rank 0 its data address and its process
 * instance id (the key its frames are MACed with, mac.ts), and learns all
 * of them back. Messages are [msgpack payload, HMAC] under a key derived
 * from the job secret; a hello without the secret (or for another job,
 * world size or a taken rank) is refused, with the reason, and never
 * registered. Under CURVE the rendezvous sockets are encrypted too, with
 * the job's keys (curve.ts), and only the job's client key is admitted.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Packr, Unpackr } from 'msgpackr';
import { Dealer, Router } from 'zeromq';
import { RendezvousError } from '../errors.js';
import { CLOSE_LINGER_MS } from './constants.js';
import type { CurveKeys } from './curve.js';
import { isInstance } from './mac.js';
import { openZapDomain, ZapGate } from './zap.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const MAX_MESSAGE_BYTES = 1 << 20;

interface Hello { kind: 'hello'; job: string; rank: number; size: number; address: string; inst: string; nonce: string }
interface Table { kind: 'table'; job: string; nonce: string; addresses: string[]; instances: string[] }

/** What every rank learns: index = rank. */
export interface JobTable {
  addresses: string[];
  instances: string[];
}
interface Refused { kind: 'refused'; reason: string }

export interface RendezvousCommon {
  job: string;
  secret: string;
  size: number;
  timeoutMs: number;
  /** This process's instance id. */
  inst: string;
  /** Encrypt the rendezvous with the job's CURVE keys. */
  curve?: CurveKeys | undefined;
}

export function rendezvousKey(secret: string, job: string): Buffer {
  return createHmac('sha256', secret).update(`dtrain/rendezvous/v1\0${job}`).digest();
}

/** Rank 0's side: collects every rank's address; `table` settles once all have it (or at the timeout). */
export class RendezvousServer {
  readonly table: Promise<JobTable>;
  /** Hellos refused so far (no secret, wrong job/size, taken rank...). */
  refused = 0;
  private readonly router: Router;
  private readonly key: Buffer;
  private readonly addresses: Array<string | undefined>;
  private readonly instances: Array<string | undefined>;
  private readonly waiting = new Map<number, { routingId: Buffer; nonce: string }>();
  private complete = false;

  private constructor(
    private readonly o: RendezvousCommon & { ownAddress: string },
    router: Router,
    private readonly closeZap: () => void,
  ) {
    this.router = router;
    this.key = rendezvousKey(o.secret, o.job);
    this.addresses = new Array<string | undefined>(o.size).fill(undefined);
    this.addresses[0] = o.ownAddress;
    this.instances = new Array<string | undefined>(o.size).fill(undefined);
    this.instances[0] = o.inst;
    this.table = this.serve();
    this.table.catch(() => undefined);
  }

  static async open(o: RendezvousCommon & { ownAddress: string; endpoint: string }): Promise<RendezvousServer> {
    const router = new Router({ linger: 1_000, maxMessageSize: MAX_MESSAGE_BYTES, ipv6: o.endpoint.includes('[') });
    let zap: { domain: string; close(): void } | undefined;
    try {
      if (o.curve !== undefined) {
        // Any host may join (the table is not known yet), but only with the job's client key.
        const gate = new ZapGate({ clientKey: o.curve.clientPublic, onRefused: () => undefined });
        gate.allow(['*']);
        zap = await openZapDomain(gate);
        router.zapDomain = zap.domain;
        router.curveServer = true;
        router.curveSecretKey = o.curve.serverSecret;
      }
      await router.bind(o.endpoint);
    } catch (cause) {
      router.close();
      zap?.close();
      throw new RendezvousError(
        'E_RENDEZVOUS_ADDRESS',
        `rank 0 cannot listen for the rendezvous at ${o.endpoint} (${(cause as Error).message}); ` +
          `pick a free port in DTRAIN_RENDEZVOUS or stop whatever holds it`,
        { cause },
      );
    }
    return new RendezvousServer(o, router, () => zap?.close());
  }

  close(): void {
    this.router.close();
    this.closeZap();
  }

  private async serve(): Promise<JobTable> {
    const timer = setTimeout(() => this.router.close(), this.o.timeoutMs);
    try {
      for await (const [routingId, ...parts] of this.router) {
        if (routingId === undefined) continue;
        await this.onHello(routingId, parts);
        if (!this.complete && this.addresses.every((a) => a !== undefined)) {
          this.complete = true;
          clearTimeout(timer);
          for (const [, who] of this.waiting) await this.sendTable(who.routingId, who.nonce);
          this.waiting.clear();
          void this.serveLate();
          return { addresses: this.addresses as string[], instances: this.instances as string[] };
        }
      }
    } catch {
      // closed by the timer or by close()
    }
    clearTimeout(timer);
    const missing = this.addresses.flatMap((a, rank) => (a === undefined ? [rank] : []));
    throw new RendezvousError(
      'E_RENDEZVOUS_TIMEOUT',
      `rank 0: ranks ${missing.join(', ')} of ${this.o.size} did not join within ${this.o.timeoutMs} ms ` +
        `(${this.refused} attempt(s) refused); check that they started with the same DTRAIN_RENDEZVOUS, job id, secret ` +
        `and --secure mode (DTRAIN_SECURE: a rank in the other mode cannot even reach rank 0)`,
    );
  }

  /** After the table is out: answer retries, refuse the rest. */
  private async serveLate(): Promise<void> {
    try {
      for await (const [routingId, ...parts] of this.router) {
        if (routingId !== undefined) await this.onHello(routingId, parts);
      }
    } catch {
      // closed
    }
  }

  private async onHello(routingId: Buffer, parts: Buffer[]): Promise<void> {
    const hello = parts.length === 2 ? decode(parts[0]!, parts[1]!, this.key) : undefined;
    const why = this.check(hello);
    if (why !== undefined) {
      this.refused += 1;
      await this.send(routingId, [packr.pack({ kind: 'refused', reason: why } satisfies Refused)]);
      return;
    }
    const h = hello as Hello;
    this.addresses[h.rank] = h.address;
    this.instances[h.rank] = h.inst;
    if (this.complete) await this.sendTable(routingId, h.nonce);
    else this.waiting.set(h.rank, { routingId, nonce: h.nonce });
  }

  private check(hello: unknown): string | undefined {
    if (!isHello(hello)) return 'bad secret or malformed hello: every rank needs the same DTRAIN_SECRET';
    const { size } = this.o;
    if (hello.job !== this.o.job) return `wrong job '${hello.job}'; rank 0 runs job '${this.o.job}'`;
    if (hello.size !== size) return `world size ${hello.size} differs from rank 0's ${size}`;
    if (!Number.isInteger(hello.rank) || hello.rank < 1 || hello.rank >= size) return `rank ${hello.rank} is not in [1, ${size})`;
    const known = this.addresses[hello.rank];
    if (known !== undefined && known !== hello.address) return `rank ${hello.rank} already joined from ${known}`;
    const inst = this.instances[hello.rank];
    if (inst !== undefined && inst !== hello.inst) return `rank ${hello.rank} already joined as another process`;
    return undefined;
  }

  private async sendTable(routingId: Buffer, nonce: string): Promise<void> {
    const table: Table = { kind: 'table', job: this.o.job, nonce, addresses: this.addresses as string[], instances: this.instances as string[] };
    const payload = packr.pack(table);
    await this.send(routingId, [payload, sign(this.key, payload)]);
  }

  private async send(routingId: Buffer, parts: Buffer[]): Promise<void> {
    try {
      await this.router.send([routingId, ...parts]);
    } catch {
      // the asker went away
    }
  }
}

/** A worker's side: registers `address` as `rank` with rank 0 at `endpoint`; resolves to every rank's address. */
export async function joinRendezvous(
  o: RendezvousCommon & { endpoint: string; rank: number; address: string },
): Promise<JobTable> {
  const key = rendezvousKey(o.secret, o.job);
  const dealer = new Dealer({ linger: CLOSE_LINGER_MS, maxMessageSize: MAX_MESSAGE_BYTES, ipv6: o.endpoint.includes('[') });
  if (o.curve !== undefined) {
    dealer.curveServerKey = o.curve.serverPublic;
    dealer.curvePublicKey = o.curve.clientPublic;
    dealer.curveSecretKey = o.curve.clientSecret;
  }
  const nonce = randomBytes(16).toString('hex');
  const hello: Hello = { kind: 'hello', job: o.job, rank: o.rank, size: o.size, address: o.address, inst: o.inst, nonce };
  const payload = packr.pack(hello);
  const deadline = Date.now() + o.timeoutMs;
  try {
    dealer.connect(o.endpoint);
    await dealer.send([payload, sign(key, payload)]);
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      dealer.receiveTimeout = left;
      let parts: Buffer[];
      try {
        parts = await dealer.receive();
      } catch {
        break;
      }
      const refused = parts.length === 1 ? asRefused(parts[0]!) : undefined;
      if (refused !== undefined) {
        throw new RendezvousError('E_RENDEZVOUS_REFUSED', `rank ${o.rank}: rank 0 at ${o.endpoint} refused to register it: ${refused}`);
      }
      const table = parts.length === 2 ? decode(parts[0]!, parts[1]!, key) : undefined;
      if (isTable(table, o.size) && table.nonce === nonce && table.job === o.job && table.addresses[o.rank] === o.address && table.instances[o.rank] === o.inst) {
        return { addresses: table.addresses, instances: table.instances };
      }
    }
    throw new RendezvousError(
      'E_RENDEZVOUS_TIMEOUT',
      `rank ${o.rank}: no address table from rank 0 at ${o.endpoint} within ${o.timeoutMs} ms; check DTRAIN_RENDEZVOUS, ` +
        `that rank 0 runs, that all ${o.size} ranks started, and that every rank has the same secret and --secure mode (DTRAIN_SECURE)`,
    );
  } finally {
    dealer.close();
  }
}

function sign(key: Buffer, payload: Uint8Array): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

function decode(payload: Buffer, mac: Buffer, key: Buffer): unknown {
  if (mac.length !== 32 || !timingSafeEqual(sign(key, payload), mac)) return undefined;
  try {
    return unpackr.unpack(payload) as unknown;
  } catch {
    return undefined;
  }
}

function asRefused(payload: Buffer): string | undefined {
  try {
    const r = unpackr.unpack(payload) as unknown;
    if (typeof r === 'object' && r !== null && (r as Refused).kind === 'refused') return String((r as Refused).reason).slice(0, 500);
  } catch {
    // not a refusal
  }
  return undefined;
}

function isHello(r: unknown): r is Hello {
  if (typeof r !== 'object' || r === null) return false;
  const h = r as Record<string, unknown>;
  return h.kind === 'hello' && typeof h.job === 'string' && typeof h.rank === 'number' && typeof h.size === 'number'
    && typeof h.nonce === 'string' && isEndpoint(h.address) && isInstance(h.inst);
}

function isTable(r: unknown, size: number): r is Table {
  if (typeof r !== 'object' || r === null) return false;
  const t = r as Record<string, unknown>;
  return t.kind === 'table' && typeof t.job === 'string' && typeof t.nonce === 'string' && Array.isArray(t.addresses)
    && t.addresses.length === size && t.addresses.every(isEndpoint)
    && Array.isArray(t.instances) && t.instances.length === size && t.instances.every(isInstance);
}

function isEndpoint(a: unknown): a is string {
  return typeof a === 'string' && a.length < 300 && /^(tcp|ipc):\/\/\S+$/.test(a);
}
