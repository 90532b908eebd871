/**
 * The plan: launch options in, one ProcessSpec per rank out. Pure (no I/O,
 * no clock, no randomness): everything it needs is in LaunchConfig, so it is
 * unit-tested without spawning anything.
 */
import { workerEnvToVars, type RunOptions } from '@dtrain/runtime/contract';
import { isLocalHost, type HostSlots } from './hosts.js';
import { sshOptions, type SshSettings } from './remote.js';
import { TF_THREAD_VARS, tfThreadEnv } from './threads.js';

export interface LaunchConfig {
  /** Absolute path of the worker script (the same path on every host). */
  script: string;
  scriptArgs: string[];
  /** World size. */
  nodes: number;
  /**
   * GPU index for each local rank (CUDA_VISIBLE_DEVICES); [] = CPU only (hide
   * every GPU); null = leave CUDA_VISIBLE_DEVICES alone (remote hosts, no --gpus).
   */
  gpus: number[] | null;
  /** Hosts in rank order; ranks fill each host's slots before the next. */
  hosts: HostSlots[];
  /** Names under which this machine appears in `hosts` (spawned without ssh). */
  localNames: string[];
  port: number;
  jobId: string;
  secret: string;
  /** Absolute output directory. */
  out: string;
  cwd: string;
  /** Node binary for local ranks (process.execPath) and for remote ones ('node'). */
  nodeBin: string;
  remoteNodeBin: string;
  /** Run options handed to every rank (out is taken from `out`). */
  options: Omit<RunOptions, 'out'>;
  /** Extra variables for every rank (`--env`); the contract's DTRAIN_* ones win. */
  extraEnv: Record<string, string>;
  /** Cores of this machine, shared by the TensorFlow thread pools of the ranks on it (default: os.availableParallelism()). */
  cores?: number;
  /** How the launcher reaches remote hosts. */
  ssh: SshSettings;
  /** Run every rank in its own network namespace (`--cluster netns`); absent: plain processes. */
  netns?: { rate?: string };
}

/**
 * Where ranks run when each has its own network namespace (a NetnsCluster
 * fits): rank i's address, and the command line that runs a command there.
 */
export interface NetnsPlacement {
  readonly hosts: readonly string[];
  command(rank: number, command: string, args: readonly string[]): { command: string; args: string[] };
}

export interface ProcessSpec {
  rank: number;
  localRank: number;
  host: string;
  /** True when started over ssh. */
  remote: boolean;
  command: string;
  args: string[];
  /** Variables to add to the launcher's environment (local) or to set remotely (ssh). */
  env: Record<string, string>;
  cwd: string;
  /** Where this rank's NDJSON log goes (on the launcher's machine). */
  logPath: string;
}

/** Marks an env value that the remote shell computes (a quoted command substitution), not a literal. */
const REMOTE_SHELL_VALUE = '\0sh:';

/**
 * TF thread variables for ranks on a remote host: its own core count
 * (nproc there) divided among the `ranks` placed on it, at least 1; none
 * when the user passes their own with --env.
 */
function remoteThreadVars(ranks: number, extraEnv: Record<string, string>): Record<string, string> {
  if (TF_THREAD_VARS.some((v) => extraEnv[v] !== undefined)) return {};
  const value = `${REMOTE_SHELL_VALUE}"$(t=$(( $(nproc 2>/dev/null || echo 1) / ${ranks} )); [ "$t" -ge 1 ] || t=1; echo "$t")"`;
  return { TF_NUM_INTRAOP_THREADS: value, TF_NUM_INTEROP_THREADS: value };
}

/** POSIX shell single-quoting for one word. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The host the other ranks dial: rank 0's host, loopback when every rank is local. */
export function rendezvousHost(config: LaunchConfig): string {
  const allLocal = config.hosts.every((h) => isLocalHost(h.host, config.localNames));
  if (allLocal) return '127.0.0.1';
  return config.hosts[0].host.replace(/^\[(.*)\]$/, '$1');
}

/**
 * One ProcessSpec per rank, in rank order. With `placement` (an emulated
 * cluster) rank i runs in its namespace at placement.hosts[i] and rank 0's
 * address is the rendezvous.
 */
export function plan(config: LaunchConfig, placement?: NetnsPlacement): ProcessSpec[] {
  if (placement !== undefined) return planNetns(config, placement);
  const rendezvous = { host: rendezvousHost(config), port: config.port };
  const specs: ProcessSpec[] = [];
  let rank = 0;
  for (const { host, slots } of config.hosts) {
    const remote = !isLocalHost(host, config.localNames);
    const here = Math.min(slots, config.nodes - rank);
    const threads = remote ? remoteThreadVars(here, config.extraEnv) : tfThreadEnv(here, { ...process.env, ...config.extraEnv }, config.cores).env;
    for (let localRank = 0; localRank < slots && rank < config.nodes; localRank++, rank++) {
      const env = { ...threads, ...config.extraEnv, ...workerEnvToVars({
        rank,
        localRank,
        localWorldSize: here,
        worldSize: config.nodes,
        rendezvous,
        jobId: config.jobId,
        secret: config.secret,
        options: { ...config.options, out: config.out },
      }) };
      if (config.gpus !== null) {
        env.CUDA_VISIBLE_DEVICES = config.gpus.length === 0 ? '' : String(config.gpus[localRank % config.gpus.length]);
      }
      const logPath = `${config.out}/rank-${rank}.ndjson`;
      const nodeArgs = [config.script, ...config.scriptArgs];
      if (!remote) {
        specs.push({ rank, localRank, host, remote, command: config.nodeBin, args: nodeArgs, env, cwd: config.cwd, logPath });
        continue;
      }
      const vars = Object.entries(env).map(([k, v]) => `${k}=${v.startsWith(REMOTE_SHELL_VALUE) ? v.slice(REMOTE_SHELL_VALUE.length) : shellQuote(v)}`);
      const remoteCmd = [
        'cd', shellQuote(config.cwd), '&&', 'exec', 'env', ...vars,
        shellQuote(config.remoteNodeBin), ...nodeArgs.map(shellQuote),
      ].join(' ');
      specs.push({
        rank, localRank, host, remote,
        command: 'ssh',
        args: [...sshOptions(config.ssh), host.replace(/^\[(.*)\]$/, '$1'), remoteCmd],
        env: {}, cwd: config.cwd, logPath,
      });
    }
  }
  return specs;
}

function planNetns(config: LaunchConfig, placement: NetnsPlacement): ProcessSpec[] {
  if (placement.hosts.length < config.nodes) {
    throw new RangeError(`the emulated cluster has ${placement.hosts.length} namespaces for ${config.nodes} ranks; create it with nodes: ${config.nodes}`);
  }
  const rendezvous = { host: placement.hosts[0], port: config.port };
  // The emulated hosts share this machine's cores.
  const threads = tfThreadEnv(config.nodes, { ...process.env, ...config.extraEnv }, config.cores).env;
  return Array.from({ length: config.nodes }, (_, rank) => {
    const env = { ...threads, ...config.extraEnv, ...workerEnvToVars({
      rank,
      localRank: 0,
      localWorldSize: 1,
      worldSize: config.nodes,
      rendezvous,
      jobId: config.jobId,
      secret: config.secret,
      options: { ...config.options, out: config.out },
    }) };
    if (config.gpus !== null) {
      env.CUDA_VISIBLE_DEVICES = config.gpus.length === 0 ? '' : String(config.gpus[rank % config.gpus.length]);
    }
    const line = placement.command(rank, config.nodeBin, [config.script, ...config.scriptArgs]);
    return {
      rank, localRank: 0, host: placement.hosts[rank], remote: false,
      command: line.command, args: line.args, env, cwd: config.cwd,
      logPath: `${config.out}/rank-${rank}.ndjson`,
    };
  });
}
