/** Host lists for multi-machine jobs: `--hosts a:4,b:4` or a hostfile. Pure parsing. */
import { UsageError } from './errors.js';

export interface HostSlots {
  host: string;
  /** Processes to start on this host. */
  slots: number;
}

const HOST_RE = /^[A-Za-z0-9_.@-]+$|^\[[0-9A-Fa-f:.]+\]$/;

function parseSlots(raw: string | undefined, where: string): number {
  if (raw === undefined) return 1;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(`${where}: slots ${JSON.stringify(raw)} is not a positive integer; write host:4`);
  }
  return Number(raw);
}

function checkHost(host: string, where: string): string {
  if (!HOST_RE.test(host)) {
    throw new UsageError(`${where}: ${JSON.stringify(host)} is not a host name; write name:slots, e.g. node1:4`);
  }
  return host;
}

/** "a:4,b:4,c" -> [{a,4},{b,4},{c,1}]. */
export function parseHostList(list: string): HostSlots[] {
  const items = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`--hosts ${JSON.stringify(list)} names no host; write --hosts node1:4,node2:4`);
  return items.map((item) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(.*))?$/.exec(item);
    const host = checkHost(m?.[1] ?? item, `--hosts ${item}`);
    return { host, slots: parseSlots(m?.[2], `--hosts ${item}`) };
  });
}

/**
 * Hostfile lines: `host`, `host:4` or `host slots=4`; `#` starts a comment.
 * `name` is only used in messages.
 */
export function parseHostfile(text: string, name = 'hostfile'): HostSlots[] {
  const out: HostSlots[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const body = line.replace(/#.*/, '').trim();
    if (body === '') return;
    const where = `${name}:${i + 1}`;
    const mpi = /^(\S+)\s+slots\s*=\s*(\S+)$/.exec(body);
    if (mpi !== null) {
      out.push({ host: checkHost(mpi[1], where), slots: parseSlots(mpi[2], where) });
      return;
    }
    if (/\s/.test(body)) throw new UsageError(`${where}: ${JSON.stringify(body)} is not "host", "host:N" or "host slots=N"`);
    out.push(...parseHostList(body).map((h) => ({ ...h })));
  });
  if (out.length === 0) throw new UsageError(`${name} lists no host; write one "host slots=N" per line`);
  return out;
}

/** True for names that mean this machine (spawned directly, without ssh). */
export function isLocalHost(host: string, localNames: readonly string[]): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || localNames.includes(host);
}
