/** `dtrain launch` options, declared once: commander flags, help text with defaults, raw types. */
import type { Command } from 'commander';
import { DEFAULT_ALGORITHM, DEFAULT_GRACE_S, DEFAULT_TOPOLOGY } from './constants.js';
import { UsageError } from './errors.js';
import {
  backendOption,
  clusterOption,
  envOption,
  exampleOption,
  gpusOption,
  hostfileOption,
  hostsOption,
  ifaceOption,
  nodesOption,
  nprocPerNodeOption,
  portOption,
  rateOption,
  resumeOption,
  secureOption,
  seedOption,
  timeoutOption,
} from './option-defs.js';
import { addAlgoOptions, type AlgoFlagsRaw } from './algo-options.js';
import { DEFAULT_HEARTBEAT_MS, HEARTBEAT_MISSES } from '@dtrain/runtime/contract';

/** Heartbeat interval handed to workers, seconds. */
export const DEFAULT_HEARTBEAT_S = DEFAULT_HEARTBEAT_MS / 1000;
/** Shortest heartbeat accepted (the contract's MIN_HEARTBEAT_MS). */
const MIN_HEARTBEAT_MS = 50;

/** What commander hands over: strings, as typed by the user. */
export interface LaunchOptionsRaw extends AlgoFlagsRaw {
  nodes?: string;
  /** --nproc-per-node (torchrun's name): --nodes alone, per host with --hosts. */
  nprocPerNode?: string;
  gpus?: string;
  algorithm: string;
  topology: string;
  globalAvgPeriod?: string;
  /** --overlap: dsgd / pga overlap the neighbour exchange with the gradient. */
  overlap?: boolean;
  /** --secure mac|curve (default mac). */
  secure?: string;
  backend?: string;
  seed: string;
  out?: string;
  hosts?: string;
  hostfile?: string;
  iface?: string;
  port: string;
  timeout: string;
  grace: string;
  example?: string;
  jobId?: string;
  /** 'local' (default) or 'netns'. */
  cluster?: string;
  rate?: string;
  sshPort?: string;
  sshIdentityFile?: string;
  sshConfig?: string;
  /** --env NAME[=VALUE], repeatable. */
  env?: string[];
  /** --resume auto|never|must (unset: the script's, else auto). */
  resume?: string;
  /** --verbose: every rank's eval lines on the terminal. */
  verbose?: boolean;
  heartbeat?: string;
  elastic?: boolean;
  minNodes?: string;
  /** launch only: restarts of a dead rank (with --elastic). */
  maxRestarts?: string;
}

/** The liveness and membership flags shared by launch, compose and k8s. */
export interface ElasticRaw {
  heartbeat?: string;
  elastic?: boolean;
  minNodes?: string;
}

/** --heartbeat, --elastic, --min-nodes as run options (UsageError naming the flag). */
export function elasticRunOptions(raw: ElasticRaw, nodes: number): { heartbeatMs: number; elastic?: true; minNodes?: number } {
  const hb = secondsOption('--heartbeat', raw.heartbeat ?? String(DEFAULT_HEARTBEAT_S));
  const heartbeatMs = Math.round(hb * 1000);
  if (heartbeatMs !== 0 && heartbeatMs < MIN_HEARTBEAT_MS) {
    throw new UsageError(`--heartbeat ${raw.heartbeat} is below ${MIN_HEARTBEAT_MS / 1000} s, short enough to lose a busy rank; write e.g. --heartbeat 2, or 0 for none`);
  }
  if (raw.minNodes !== undefined && raw.elastic !== true) throw new UsageError(`--min-nodes ${raw.minNodes} bounds an elastic job; add --elastic or drop --min-nodes`);
  const minNodes = raw.minNodes === undefined ? undefined : intOption('--min-nodes', raw.minNodes, 1, nodes);
  if (raw.elastic === true && heartbeatMs === 0) throw new UsageError('--elastic needs the heartbeat to tell a stalled rank; drop --heartbeat 0');
  return { heartbeatMs, ...(raw.elastic === true ? { elastic: true as const } : {}), ...(minNodes !== undefined ? { minNodes } : {}) };
}

export { resumeOption };

/** Options shared by launch, compose and k8s (the run itself). */
export function addRunOptions(cmd: Command): Command {
  return addAlgoOptions(cmd)
    .addOption(nodesOption('default: one per GPU; required without GPUs'))
    .option('--algorithm <name>', 'decentralized algorithm', DEFAULT_ALGORITHM)
    .option('--topology <name>', 'communication graph or schedule', DEFAULT_TOPOLOGY)
    .option('--global-avg-period <k>', 'Gossip-PGA: global average every k steps (default: the algorithm\'s)')
    .option('--overlap', 'dsgd, pga: send the neighbour exchange while the gradient is computed (x(k+1) = W x(k) - lr g)')
    .addOption(backendOption())
    .addOption(seedOption())
    .addOption(portOption())
    .addOption(timeoutOption())
    .addOption(ifaceOption())
    .addOption(exampleOption())
    .option('--job-id <id>', 'job id shared by every rank (default: random)')
    .option('--heartbeat <seconds>', `heartbeat interval between ranks that talk; a rank silent for ${HEARTBEAT_MISSES} intervals is lost (0: none)`, String(DEFAULT_HEARTBEAT_S))
    .option('--elastic', 'survive a lost rank: the others agree on a new membership and go on (docs/elastic.md)')
    .option('--min-nodes <m>', 'with --elastic: stop (exit 1, reason given) when fewer than m ranks are left (default 1)')
    .addOption(secureOption())
    .addOption(resumeOption());
}

export function addLaunchOptions(cmd: Command): Command {
  return addRunOptions(cmd)
    .addOption(nprocPerNodeOption())
    .addOption(gpusOption())
    .option('--out <dir>', 'output directory: logs, summary.json (default: runs/<timestamp>-<algorithm>-<topology>)')
    .addOption(hostsOption())
    .addOption(hostfileOption())
    .option('--grace <seconds>', 'seconds between SIGTERM and SIGKILL when stopping workers', String(DEFAULT_GRACE_S))
    .addOption(clusterOption())
    .addOption(rateOption())
    .addOption(envOption())
    .option('-v, --verbose', 'show every rank\'s eval lines (default: rank 0\'s; DIR/rank-<i>.ndjson has all)')
    .option('--max-restarts <k>', 'with --elastic: start a failed rank again up to k times; it rejoins taking the parameters from a live rank (default 0)')
    .option('--ssh-port <n>', 'ssh port of the --hosts machines (default: ssh\'s own, usually 22)')
    .option('--ssh-identity-file <file>', 'private key for ssh to the --hosts machines')
    .option('--ssh-config <file>', 'ssh_config file for the --hosts machines (ssh -F): users, ports, keys, jump hosts');
}

/** Parse an integer option or throw a UsageError naming the flag, the value and the fix. */
export function intOption(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const t = raw.trim();
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not an integer in ${min}..${max}; write e.g. ${flag} ${Math.max(min, 1)}`);
  }
  return Number(t);
}

/** Parse a non-negative number of seconds (decimals allowed). */
export function secondsOption(flag: string, raw: string): number {
  const t = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a number of seconds; write e.g. ${flag} 30`);
  }
  return Number(t);
}
