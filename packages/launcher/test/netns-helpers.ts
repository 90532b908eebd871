// Shared by the emulated-cluster tests: why they skip, running children to completion,
// and reading what `ip` shows of the root namespace.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { netnsUnavailableReason } from '../src/netns/ip.js';

export const BIN = fileURLToPath(new URL('../bin/dtrain.js', import.meta.url));
export const TCP_FIXTURE = fileURLToPath(new URL('./fixtures/netns-tcp.mjs', import.meta.url));
export const CHECK_WORKER = fileURLToPath(new URL('../../runtime/dist/bin/check-worker.js', import.meta.url));

/** Null when this process can build namespaces, else why the tests skip. */
export function netnsSkipReason(): string | null {
  const reason = netnsUnavailableReason();
  if (reason !== null) return reason;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `\`ip netns list\` fails here: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function finish(child: ChildProcess): Promise<Finished> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Parsed JSON lines of a child's stdout. */
export function records(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** Interface names of the root namespace. */
export function rootLinks(): string[] {
  const parsed = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[];
  return parsed.map((l) => l.ifname);
}

/** Bytes a bridge port received from its rank (what the rank sent). */
export function bridgePortRxBytes(bridgeNs: string, port: string): number {
  const parsed = JSON.parse(execFileSync('ip', ['-n', bridgeNs, '-j', '-s', 'link', 'show', port], { encoding: 'utf8' })) as {
    stats64: { rx: { bytes: number } };
  }[];
  return parsed[0].stats64.rx.bytes;
}
