/**
 * connectZmqTransport: bind this rank's ROUTER on the chosen interface (or an
 * ipc:// file), learn every rank's address from rank 0, and return the
 * Transport. Rank 0 hosts the rendezvous at DTRAIN_RENDEZVOUS=host:port.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'zeromq';
import { RendezvousError, TransportError } from '../errors.js';
import { chooseLocalAddress, isLoopback, parseHostPort, tcpEndpoint } from './address.js';
import {
  CLOSE_LINGER_MS,
  DEFAULT_LOST_GRACE_MS,
  DEFAULT_MAX_ELEMENTS,
  DEFAULT_MAX_INFLIGHT_BYTES,
  DEFAULT_TIMEOUT_MS,
  MAX_HEADER_BYTES,
} from './constants.js';
import { curveKeys } from './curve.js';
import { frameKey } from './frame.js';
import { joinRendezvous, RendezvousServer } from './rendezvous.js';
import type { Transport } from './types.js';
import { checkTimeout } from './validate.js';
import { ZmqTransport } from './zmq.js';

export interface ZmqConnectOptions {
  rank: number;
  size: number;
  /** Rank 0's rendezvous, "host:port" (DTRAIN_RENDEZVOUS). */
  rendezvous: string;
  jobId: string;
  /** Shared job secret (DTRAIN_SECRET): authenticates the rendezvous and every frame. */
  secret: string;
  /** Interface name (eth0) or local IP to bind; default: the one that routes to the rendezvous host. */
  iface?: string;
  /** tcp (default, across hosts) or ipc (all ranks on this host). */
  protocol?: 'tcp' | 'ipc';
  /** Default deadline of every wait, in ms (default 30 s); also bounds the rendezvous. */
  timeoutMs?: number;
  /** Encrypt and authenticate the data channel with CURVE keys derived from the secret. */
  curve?: boolean;
  /** Largest body, in float32 elements (default 2^28); same on every rank. */
  maxElements?: number;
  /** Unacknowledged bytes in flight to one peer before send() waits (default 256 MiB). */
  maxInflightBytes?: number;
  /** 'ack' (default): send() resolves when the peer has the frame; 'copy': after copying the body. */
  sendMode?: 'ack' | 'copy';
  /** How long a dropped connection may stay down before the peer counts as lost (default 500 ms). */
  lostGraceMs?: number;
}

export async function connectZmqTransport(options: ZmqConnectOptions): Promise<Transport> {
  const { rank, size, jobId, secret } = options;
  checkOptions(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const rendezvous = parseHostPort(options.rendezvous);
  const protocol = options.protocol ?? 'tcp';
  const curve = options.curve === true ? curveKeys(secret, jobId) : undefined;

  const router = new Router({ linger: CLOSE_LINGER_MS, maxMessageSize: maxElements * 4 + 4 * MAX_HEADER_BYTES });
  if (curve !== undefined) {
    router.curveServer = true;
    router.curveSecretKey = curve.serverSecret;
  }
  let ipcPath: string | undefined;
  let server: RendezvousServer | undefined;
  const cleanup = async (): Promise<void> => {
    server?.close();
    router.close();
    if (ipcPath !== undefined) rmSync(ipcPath, { force: true });
  };
  try {
    let address: string;
    if (protocol === 'ipc') {
      const tag = createHash('sha256').update(jobId).digest('hex').slice(0, 10);
      ipcPath = join(tmpdir(), `dtrain-${tag}-${rank}-${process.pid}.ipc`);
      rmSync(ipcPath, { force: true });
      address = `ipc://${ipcPath}`;
      await router.bind(address);
    } else {
      const ip = await chooseLocalAddress(rendezvous.host, options.iface);
      router.ipv6 = ip.includes(':');
      await router.bind(tcpEndpoint(ip, '*'));
      address = router.lastEndpoint ?? '';
    }
    const common = { job: jobId, secret, size, timeoutMs };
    let addresses: string[];
    if (size === 1) addresses = [address];
    else if (rank === 0) {
      const bindHost = isLoopback(rendezvous.host) ? (rendezvous.host === '::1' ? '::1' : '127.0.0.1') : rendezvous.host.includes(':') ? '::' : '0.0.0.0';
      server = await RendezvousServer.open({ ...common, ownAddress: address, endpoint: tcpEndpoint(bindHost, rendezvous.port) });
      addresses = await server.table;
    } else {
      const endpoint = tcpEndpoint(rendezvous.host, rendezvous.port);
      addresses = await joinRendezvous({ ...common, endpoint, rank, address });
    }
    return new ZmqTransport({
      rank,
      size,
      addresses,
      router,
      ctx: { job: jobId, key: frameKey(secret, jobId), rank, size, maxElements },
      timeoutMs,
      maxInflightBytes: options.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES,
      lostGraceMs: options.lostGraceMs ?? DEFAULT_LOST_GRACE_MS,
      copy: options.sendMode === 'copy',
      curve,
      cleanup,
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function checkOptions(o: ZmqConnectOptions): void {
  if (!Number.isInteger(o.size) || o.size < 1 || !Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.size) {
    throw new RendezvousError('E_RENDEZVOUS_CONFIG', `need 0 <= rank < size; got rank=${String(o.rank)} size=${String(o.size)}`);
  }
  if (typeof o.secret !== 'string' || o.secret.length === 0) {
    throw new RendezvousError('E_RENDEZVOUS_CONFIG', 'a job secret is required to join (DTRAIN_SECRET); got none');
  }
  if (typeof o.jobId !== 'string' || o.jobId.length === 0 || o.jobId.length > 128) {
    throw new RendezvousError('E_RENDEZVOUS_CONFIG', `job id must be 1-128 characters; got '${String(o.jobId)}'`);
  }
  if (o.protocol !== undefined && o.protocol !== 'tcp' && o.protocol !== 'ipc') {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `protocol must be 'tcp' or 'ipc'; got '${String(o.protocol)}'`);
  }
  if (o.timeoutMs !== undefined) checkTimeout(o.timeoutMs);
}
