/**
 * connectZmqTransport: bind this rank's ROUTER on the chosen interface (or an
 * ipc:// file), learn every rank's address and process instance from rank 0,
 * admit only the job's hosts (and, under CURVE, the job's key) on the
 * ROUTER, and return the Transport. Rank 0 hosts the rendezvous at
 * DTRAIN_RENDEZVOUS=host:port.
 */
import { createHash } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
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
  DEFAULT_RETRANSMIT_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_TIMEOUT_MS,
  HEARTBEAT_MISSES,
  MIN_RETRANSMIT_MS,
} from './constants.js';
import { curveKeys } from './curve.js';
import { frameKey, Keyring, newInstance, senderKey } from './frame.js';
import { hostOf } from './hosts.js';
import { joinRendezvous, RendezvousServer, type JobTable } from './rendezvous.js';
import { SECURE_MODES, type SecureMode } from './secure.js';
import type { DropReason, LostCause, Transport } from './types.js';
import { checkFrameLimit, checkTimeout } from './validate.js';
import { openZapDomain, ZapGate } from './zap.js';
import { partLimit, ZmqTransport } from './zmq.js';
import { FrameRelease, releaseEveryBytes } from './release.js';

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
  /** tcp: the port to bind the data ROUTER on (default: any free one), e.g. one a firewall opens. */
  port?: number;
  /**
   * The endpoint peers should dial instead of the bound one (NAT, port forwarding, a proxy),
   * e.g. tcp://10.0.0.5:4000. Peers admit connections only from the hosts in the address
   * table, so this rank's own connections must then arrive from the advertised host.
   */
  advertise?: string;
  /** Default deadline of every wait, in ms (default 30 s); also bounds the rendezvous. */
  timeoutMs?: number;
  /**
   * 'mac' (default): every frame's header and body carry a MAC, in the clear;
   * 'curve': the rendezvous and data channels are also encrypted with CURVE
   * keys derived from the secret (see the runtime README for the cost).
   */
  secure?: SecureMode;
  /**
   * Largest body, in float32 elements (default 2^28; init() gives the
   * communicator's chunk). ZeroMQ refuses any larger part before buffering
   * it; limitFrames() lowers the check further once the model is known.
   */
  maxElements?: number;
  /** Unacknowledged bytes in flight to one peer before send() waits (default 256 MiB). */
  maxInflightBytes?: number;
  /** 'ack' (default): send() resolves when the peer has the frame; 'copy': after copying the body. */
  sendMode?: 'ack' | 'copy';
  /** Received body bytes between two young-generation collections (release.ts; default DTRAIN_RELEASE_MIB or 16 MiB; 0: none). */
  releaseEveryBytes?: number;
  /** How long a dropped connection may stay down before the peer counts as lost (default 500 ms). */
  lostGraceMs?: number;
  /** First delay before an unanswered frame is sent again (default 5 s, at most a quarter of the timeout). */
  retransmitMs?: number;
  /** Told of drops at counts 1, 10, 100, ... of each reason (the worker logs them). */
  onDrop?: (reason: DropReason, count: number) => void;
  /**
   * Heartbeat interval of every link in ms (default 2 s; 0: none): a peer
   * that answers nothing for HEARTBEAT_MISSES (5) intervals is lost, even
   * though its process is alive (SIGSTOP, a hung driver).
   */
  heartbeatMs?: number;
  /** Told once per peer when it counts as lost, and why (the worker logs a peer-lost record). */
  onPeerLost?: (peer: number, why: string, cause: LostCause) => void;
  /**
   * Elastic replacement: the job's table as last known (every rank's address and instance),
   * instead of a rendezvous; this process binds anew and asks to be taken back in (announceJoin).
   */
  rejoin?: JobTable;
}

export async function connectZmqTransport(options: ZmqConnectOptions): Promise<Transport> {
  const { rank, size, jobId, secret } = options;
  checkOptions(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const releaseBytes = options.releaseEveryBytes ?? releaseEveryBytes();
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const rendezvous = parseHostPort(options.rendezvous);
  const protocol = options.protocol ?? 'tcp';
  const curve = options.secure === 'curve' ? curveKeys(secret, jobId) : undefined;
  const inst = newInstance();
  const jobKey = frameKey(secret, jobId);

  let transport: ZmqTransport | undefined;
  let refusedEarly = 0;
  const gate = new ZapGate({
    clientKey: curve?.clientPublic,
    onRefused: () => (transport === undefined ? (refusedEarly += 1) : transport.inbox.drop('refused')),
  });
  const zap = await openZapDomain(gate);
  const router = new Router({ linger: CLOSE_LINGER_MS, maxMessageSize: partLimit(maxElements), zapDomain: zap.domain });
  if (curve !== undefined) {
    router.curveServer = true;
    router.curveSecretKey = curve.serverSecret;
  }
  let ipcPath: string | undefined;
  let server: RendezvousServer | undefined;
  const cleanup = async (): Promise<void> => {
    server?.close();
    router.close();
    zap.close();
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
      chmodSync(ipcPath, 0o600); // other users of this host cannot connect
    } else {
      const ip = await chooseLocalAddress(rendezvous.host, options.iface);
      router.ipv6 = ip.includes(':');
      await router.bind(tcpEndpoint(ip, options.port ?? '*'));
      address = router.lastEndpoint ?? '';
    }
    if (options.advertise !== undefined) address = options.advertise;
    const common = { job: jobId, secret, size, timeoutMs, inst, curve };
    let table: JobTable;
    if (size === 1) table = { addresses: [address], instances: [inst] };
    else if (options.rejoin !== undefined) {
      table = {
        addresses: options.rejoin.addresses.map((a, r) => (r === rank ? address : a)),
        instances: options.rejoin.instances.map((x, r) => (r === rank ? inst : x)),
      };
    } else if (rank === 0) {
      const bindHost = isLoopback(rendezvous.host) ? (rendezvous.host === '::1' ? '::1' : '127.0.0.1') : rendezvous.host.includes(':') ? '::' : '0.0.0.0';
      server = await RendezvousServer.open({ ...common, ownAddress: address, endpoint: tcpEndpoint(bindHost, rendezvous.port) });
      table = await server.table;
    } else {
      const endpoint = tcpEndpoint(rendezvous.host, rendezvous.port);
      table = await joinRendezvous({ ...common, endpoint, rank, address });
    }
    const hosts = table.addresses.map(hostOf);
    gate.allow(hosts);
    const retransmitMs = Math.max(MIN_RETRANSMIT_MS, Math.min(options.retransmitMs ?? DEFAULT_RETRANSMIT_MS, timeoutMs / 4));
    transport = new ZmqTransport({
      rank,
      size,
      addresses: table.addresses,
      router,
      ctx: { job: jobId, rank, size, maxElements, keys: new Keyring(jobKey, table.instances) },
      codec: { job: jobId, inst, key: senderKey(jobKey, rank, inst) },
      timeoutMs,
      maxInflightBytes: options.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES,
      lostGraceMs: options.lostGraceMs ?? DEFAULT_LOST_GRACE_MS,
      retransmitMs,
      copy: options.sendMode === 'copy',
      release: new FrameRelease(releaseBytes),
      curve,
      onDrop: options.onDrop,
      heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      heartbeatMisses: HEARTBEAT_MISSES,
      onPeerLost: options.onPeerLost,
      allowHost: (host) => {
        hosts.push(host);
        gate.allow(hosts);
      },
      sourceIp: options.advertise === undefined && /^\d+\.\d+\.\d+\.\d+$/.test(hostOf(address)) ? hostOf(address) : undefined,
      cleanup,
    });
    if (refusedEarly > 0) transport.inbox.drop('refused', refusedEarly);
    return transport;
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
  if (o.secure !== undefined && !(SECURE_MODES as readonly string[]).includes(o.secure)) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `secure must be one of ${SECURE_MODES.join(', ')}; got '${String(o.secure)}'`);
  }
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65_535)) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `port must be an integer in 1..65535; got ${String(o.port)}`);
  }
  if (o.advertise !== undefined && !/^(tcp|ipc):\/\/\S{1,290}$/.test(o.advertise)) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `advertise must be an endpoint like tcp://10.0.0.5:4000; got '${String(o.advertise)}'`);
  }
  if (o.timeoutMs !== undefined) checkTimeout(o.timeoutMs);
  if (o.maxElements !== undefined) checkFrameLimit(o.maxElements);
  if (o.retransmitMs !== undefined) checkTimeout(o.retransmitMs);
  if (o.heartbeatMs !== undefined && (!Number.isSafeInteger(o.heartbeatMs) || o.heartbeatMs < 0)) {
    throw new TransportError('E_TRANSPORT_ARGUMENT', `heartbeatMs must be an integer >= 0 (0: no heartbeat); got ${String(o.heartbeatMs)}`);
  }
}
