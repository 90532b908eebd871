/**
 * Which local address to bind and advertise: the one named (interface name
 * or IP), loopback when the rendezvous is loopback, else the address the
 * kernel would use to reach the rendezvous host.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { RendezvousError, TransportError } from '../errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses "host:port" or "[v6]:port". */
export function parseHostPort(text: string): HostPort {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new RendezvousError(
      'E_RENDEZVOUS_CONFIG',
      `rendezvous must be host:port (e.g. 10.0.0.1:29600 or [::1]:29600); got '${text}'`,
    );
  }
  return { host: match[1]!, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The local IP to bind; `iface` is an interface name (eth0) or an IP of this host. */
export async function chooseLocalAddress(rendezvousHost: string, iface?: string): Promise<string> {
  if (iface !== undefined && iface !== '') return addressOf(iface);
  if (isLoopback(rendezvousHost)) return rendezvousHost === '::1' ? '::1' : '127.0.0.1';
  let target: string;
  try {
    target = isIP(rendezvousHost) ? rendezvousHost : (await lookup(rendezvousHost)).address;
  } catch (cause) {
    throw new RendezvousError(
      'E_RENDEZVOUS_ADDRESS',
      `cannot resolve rendezvous host '${rendezvousHost}'; give an IP or a name this host resolves`,
      { cause },
    );
  }
  if (isLoopback(target)) return target === '::1' ? '::1' : '127.0.0.1';
  return routeSource(target);
}

function addressOf(iface: string): string {
  if (isIP(iface)) return iface;
  const all = networkInterfaces();
  const entries = all[iface];
  const chosen = entries?.find((e) => e.family === 'IPv4') ?? entries?.find((e) => !e.internal);
  if (chosen === undefined) {
    throw new TransportError(
      'E_TRANSPORT_IFACE',
      `no usable address on interface '${iface}'; pick one of: ${Object.keys(all).join(', ')} (or give an IP)`,
    );
  }
  return chosen.address;
}

/** The source address of the route to `target` (a connected UDP socket sends nothing). */
function routeSource(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(target) === 6 ? 'udp6' : 'udp4');
    socket.on('error', (cause) => {
      socket.close();
      reject(
        new TransportError(
          'E_TRANSPORT_IFACE',
          `no route to rendezvous host ${target}; name the interface to use (iface / DTRAIN_IFACE)`,
          { cause },
        ),
      );
    });
    socket.connect(9, target, () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}

/** "tcp://ip:port" with brackets for IPv6. */
export function tcpEndpoint(ip: string, port: number | '*'): string {
  return isIP(ip) === 6 ? `tcp://[${ip}]:${port}` : `tcp://${ip}:${port}`;
}
