/**
 * Running `ip` and `tc`: finding them, checking that we may use them (root),
 * and turning a failed command into a NetnsError that quotes its output.
 */
import { execFile, execFileSync } from 'node:child_process';
import { NetnsError } from '../errors.js';
import { which } from '../exec.js';

/** Where iproute2 usually lives, searched after PATH (sbin is often missing from it). */
const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
/** One `ip`/`tc` call never needs long; a hung one must not hang the caller. */
const COMMAND_TIMEOUT_MS = 15_000;

export interface Tools {
  ip: string;
  tc: string;
}

function findTool(name: string, env: NodeJS.ProcessEnv): string | null {
  return which(name, env, SBIN_DIRS) ?? null;
}

/** Why this process cannot build namespaces, or null when it can. */
export function netnsUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    checkTools(env);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The `ip` and `tc` binaries, after checking that we run as root (`uid`: this process's, unless a test names another). */
export function checkTools(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): Tools {
  if (uid !== 0) {
    throw new NetnsError(
      'E_NETNS_NOT_ROOT',
      `an emulated cluster needs root to create network namespaces (running as uid ${uid ?? 'unknown'}); run as root (e.g. sudo) or use the plain local launch`,
    );
  }
  const ip = findTool('ip', env);
  const tc = findTool('tc', env);
  if (ip === null || tc === null) {
    throw new NetnsError(
      'E_NETNS_NO_IP',
      `${ip === null ? '`ip`' : '`tc`'} was not found on PATH or in ${SBIN_DIRS.join(', ')}; install iproute2 (e.g. apt-get install iproute2)`,
    );
  }
  return { ip, tc };
}

function describeFailure(bin: string, args: readonly string[], output: string): string {
  return `\`${[bin, ...args].join(' ')}\` failed: ${output.trim() || '(no output)'}`;
}

/** Run one command; resolves with stdout, rejects with a NetnsError quoting stderr. */
export function run(bin: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err === null) resolve(stdout);
      else reject(new NetnsError('E_NETNS_COMMAND', describeFailure(bin, args, stderr || err.message), { cause: err }));
    });
  });
}

/** Synchronous form, for process 'exit' handlers; never throws (cleanup is best effort). */
export function runSync(bin: string, args: readonly string[]): string {
  try {
    return execFileSync(bin, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** Pids of the processes in a namespace (`ip netns pids`), [] when it is gone. */
export function parsePids(text: string): number[] {
  return text
    .split(/\s+/)
    .filter((t) => /^\d+$/.test(t))
    .map(Number);
}
