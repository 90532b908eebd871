// Real OpenSSH servers for the multi-host launch tests: one sshd per emulated
// host (network namespace), key-only login for this user, host keys and
// authorized keys in a temporary directory. Nothing touches ~/.ssh or /etc/ssh.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsCluster } from '../src/netns/cluster.js';

export const SSHD = '/usr/sbin/sshd';

/** Null when real ssh logins can be tested here, else why not. */
export function sshSkipReason(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
  try {
    execFileSync('ssh', ['-V'], { stdio: 'pipe' });
    execFileSync('ssh-keygen', ['--help'], { stdio: 'pipe' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'the ssh client is missing (apt-get install openssh-client)';
  }
  return null;
}

export interface SshServers {
  /** ssh_config for `dtrain launch --ssh-config`: key, no host-key prompts, quiet. */
  readonly clientConfig: string;
  readonly daemons: ChildProcess[];
}

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path], { stdio: 'pipe' });
}

/** Wait until `host:22` accepts TCP connections from inside rank `from`'s namespace. */
async function waitListening(cluster: NetnsCluster, from: number, host: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const probe = cluster.spawn(from, process.execPath, ['-e', `
      const s = require('node:net').createConnection(22, ${JSON.stringify(host)});
      s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1));`]);
    const code = await new Promise<number | null>((resolve) => probe.on('close', resolve));
    if (code === 0) return;
    if (Date.now() > until) throw new Error(`sshd on ${host} did not start listening within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Start sshd in the namespaces of `ranks` (listening on their addresses, port 22)
 * and write a client config that logs in as this user with a fresh key.
 * `probeFrom` is a rank whose namespace can reach them (to wait for them).
 */
export async function startSshServers(cluster: NetnsCluster, ranks: number[], dir: string, probeFrom: number): Promise<SshServers> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const userKey = join(dir, 'id_ed25519');
  keygen(userKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`), { mode: 0o600 });
  const daemons = ranks.map((rank) => {
    const hostKey = join(dir, `host-${rank}`);
    keygen(hostKey);
    const config = join(dir, `sshd-${rank}.conf`);
    writeFileSync(config, [
      `ListenAddress ${cluster.hosts[rank]}`,
      'Port 22',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, `sshd-${rank}.pid`)}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel ERROR',
      '',
    ].join('\n'));
    return cluster.spawn(rank, SSHD, ['-D', '-e', '-f', config], {}, { stdio: 'ignore' });
  });
  const clientConfig = join(dir, 'ssh_config');
  writeFileSync(clientConfig, [
    'Host *',
    `  IdentityFile ${userKey}`,
    '  IdentitiesOnly yes',
    '  StrictHostKeyChecking no',
    '  UserKnownHostsFile /dev/null',
    '  LogLevel ERROR',
    '  ConnectTimeout 10',
    '',
  ].join('\n'));
  for (const rank of ranks) await waitListening(cluster, probeFrom, cluster.hosts[rank], 10_000);
  return { clientConfig, daemons };
}

/** Pids of processes (other than sshd) whose environment holds DTRAIN_JOB_ID=`jobId`. */
export function processesOfJob(jobId: string): number[] {
  const needle = `DTRAIN_JOB_ID=${jobId}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.includes(needle)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
