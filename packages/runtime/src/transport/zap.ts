/**
 * Who may connect to a rank's ROUTER, decided by ZeroMQ's authentication
 * protocol (ZAP, RFC 27) before any message is read: one handler per
 * process (bound at inproc://zeromq.zap.01 in the default context), one
 * domain per transport. A domain's gate admits the hosts of the job's
 * address table and, under CURVE, only the job's client key; requests that
 * come before the table is known wait for it. Every refusal is counted.
 */
import { Router } from 'zeromq';
import { z85 } from './curve.js';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

export interface ZapRequest {
  /** The peer's IP, or for ipc "localhost:uid:gid:pid". */
  address: string;
  mechanism: string;
  /** CURVE: the client's public key, z85. */
  clientKey: string | undefined;
}

export interface GateOptions {
  /** Under CURVE: the only client key admitted (z85). */
  clientKey: string | undefined;
  onRefused(request: ZapRequest, why: string): void;
}

/** One transport's admission rule; `allow` gives it the job's hosts once the rendezvous is done. */
export class ZapGate {
  private hosts: ReadonlySet<string> | undefined;
  private waiting: Array<{ request: ZapRequest; answer: (ok: boolean) => void }> = [];

  constructor(private readonly o: GateOptions) {}

  /** The hosts admitted from now on ('*': any). */
  allow(hosts: Iterable<string>): void {
    this.hosts = new Set([...hosts].map(plainIp));
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.answer(this.decide(w.request));
  }

  /** Refuses whatever still waits (the transport closes). */
  close(): void {
    this.hosts = new Set();
    this.allow([]);
  }

  ask(request: ZapRequest, answer: (ok: boolean) => void): void {
    if (this.hosts === undefined) this.waiting.push({ request, answer });
    else answer(this.decide(request));
  }

  private decide(r: ZapRequest): boolean {
    if (this.o.clientKey !== undefined && r.clientKey !== this.o.clientKey) {
      this.o.onRefused(r, `CURVE client key is not this job's (mechanism ${r.mechanism})`);
      return false;
    }
    // ipc: libzmq reports the peer's credentials, "localhost:uid:gid:pid"; only this user's processes may connect.
    const ipc = /^localhost:(\d+):\d+:\d+$/.exec(r.address);
    if (ipc !== null) {
      if (Number(ipc[1]) === process.getuid?.()) return true;
      this.o.onRefused(r, `ipc peer runs as uid ${ipc[1]}, not as this job's user`);
      return false;
    }
    if (r.address !== '' && !this.hosts!.has('*') && !this.hosts!.has(plainIp(r.address))) {
      this.o.onRefused(r, `address ${r.address} is not a host of this job`);
      return false;
    }
    return true;
  }
}

function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

const gates = new Map<string, ZapGate>();
/** The handler runs while some domain is open (a pending receive keeps the process alive). */
let handler: Promise<Router> | undefined;
let sendTail: Promise<unknown> = Promise.resolve();
let counter = 0;

/** Registers `gate` under a fresh domain name (set it as the ROUTER's zapDomain before binding). */
export async function openZapDomain(gate: ZapGate): Promise<{ domain: string; close(): void }> {
  const domain = `dtrain-${process.pid}-${++counter}`;
  gates.set(domain, gate);
  handler ??= startHandler();
  try {
    await handler;
  } catch (error) {
    gates.delete(domain);
    handler = undefined;
    throw error;
  }
  return {
    domain,
    close: () => {
      gate.close();
      gates.delete(domain);
      if (gates.size === 0 && handler !== undefined) {
        const closing = handler;
        handler = undefined;
        void closing.then((router) => router.close(), () => undefined);
      }
    },
  };
}

async function startHandler(): Promise<Router> {
  const router = new Router({ linger: 0 });
  // A handler closed a moment ago may still hold the endpoint.
  for (let attempt = 0; ; attempt++) {
    try {
      await router.bind(ZAP_ENDPOINT);
      break;
    } catch (error) {
      if (attempt >= 50) {
        router.close();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  void (async () => {
    for await (const msg of router) onRequest(router, msg);
  })().catch(() => undefined);
  return router;
}

function onRequest(router: Router, msg: Buffer[]): void {
  // [routing id, '', version, request id, domain, address, identity, mechanism, credentials...]
  const [id, empty, version, requestId, domain, address, , mechanism, credential] = msg;
  if (id === undefined || empty === undefined || version === undefined || requestId === undefined) return;
  const gate = gates.get(domain?.toString() ?? '');
  const reply = (ok: boolean): void => {
    const status = ok ? ['200', 'OK'] : ['400', 'not admitted to this dtrain job'];
    // One pending send per socket: answers go out in turn.
    sendTail = sendTail.then(() => router.send([id, empty, version, requestId, ...status, '', ''])).catch(() => undefined);
  };
  if (gate === undefined) return reply(false);
  const mech = mechanism?.toString() ?? '';
  const clientKey = mech === 'CURVE' && credential !== undefined && credential.length === 32 ? z85(credential) : undefined;
  gate.ask({ address: address?.toString() ?? '', mechanism: mech, clientKey }, reply);
}
