/**
 * What remote ranks need besides the environment contract: how to reach
 * their host (ssh settings, as horovodrun's --ssh-port / --ssh-identity-file
 * and mpirun's ssh config file) and which extra environment variables every
 * rank gets (`--env NAME=VALUE`, or `--env NAME` to forward the launcher's
 * value, like mpirun -x). Local ranks inherit the launcher's environment
 * anyway; remote ranks only get what is named here. Pure.
 */
import { UsageError } from './errors.js';

export interface SshSettings {
  port?: number;
  identityFile?: string;
  /** An ssh_config file (ssh -F): user, port, keys, ProxyJump... per host. */
  configFile?: string;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--env` values -> variables. `NAME` alone forwards the launcher's own value. */
export function parseEnvFlags(flags: readonly string[], env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf('=');
    const name = at < 0 ? flag : flag.slice(0, at);
    if (!NAME_RE.test(name)) {
      throw new UsageError(`--env ${JSON.stringify(flag)}: ${JSON.stringify(name)} is not a variable name; write --env NAME=VALUE or --env NAME`);
    }
    if (name.startsWith('DTRAIN_')) {
      throw new UsageError(`--env ${name}: the launcher sets DTRAIN_* variables itself from its options; use the matching flag (dtrain launch --help)`);
    }
    const value = at < 0 ? env[name] : flag.slice(at + 1);
    if (value === undefined) {
      throw new UsageError(`--env ${name} forwards the launcher's ${name}, which is not set; set it or write --env ${name}=VALUE`);
    }
    out[name] = value;
  }
  return out;
}

/** The ssh words before the host name. `-tt` gives the remote command a terminal, so it gets SIGHUP when ssh dies. */
export function sshOptions(ssh: SshSettings): string[] {
  return [
    '-tt', '-o', 'BatchMode=yes',
    ...(ssh.configFile !== undefined ? ['-F', ssh.configFile] : []),
    ...(ssh.port !== undefined ? ['-p', String(ssh.port)] : []),
    ...(ssh.identityFile !== undefined ? ['-i', ssh.identityFile] : []),
  ];
}
