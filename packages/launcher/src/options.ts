/** `dtrain launch` options, declared once: commander flags, help text with defaults, raw types. */
import { type Command, Option } from 'commander';
import {
  DEFAULT_ALGORITHM,
  DEFAULT_GRACE_S,
  DEFAULT_PORT,
  DEFAULT_SEED,
  DEFAULT_TIMEOUT_S,
  DEFAULT_TOPOLOGY,
} from './constants.js';
import { UsageError } from './errors.js';
import { DEFAULT_SECURE, RESUME_MODES, SECURE_MODES } from '@dtrain/runtime/contract';

/** What commander hands over: strings, as typed by the user. */
export interface LaunchOptionsRaw {
  nodes?: string;
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
}

/** --resume, the same in launch, compose, k8s and worker. */
export function resumeOption(): Option {
  return new Option(
    '--resume <mode>',
    'checkpoints in the output directory: auto: continue from the newest step every rank holds intact, if any; never: delete them and start over; must: continue or stop (default: the script\'s, else auto)',
  ).choices([...RESUME_MODES]);
}

/** Options shared by launch, compose and k8s (the run itself). */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('-n, --nodes <n>', 'number of worker processes (default: one per GPU; required without GPUs)')
    .option('--algorithm <name>', 'decentralized algorithm', DEFAULT_ALGORITHM)
    .option('--topology <name>', 'communication graph or schedule', DEFAULT_TOPOLOGY)
    .option('--global-avg-period <k>', 'Gossip-PGA: global average every k steps (default: the algorithm\'s)')
    .option('--overlap', 'dsgd, pga: send the neighbour exchange while the gradient is computed (x(k+1) = W x(k) - lr g)')
    .option('--backend <name>', 'TensorFlow.js backend (default: the worker picks one)')
    .option('--seed <n>', 'seed shared by every rank', String(DEFAULT_SEED))
    .option('--port <n>', 'rendezvous port on rank 0\'s host', String(DEFAULT_PORT))
    .option('--timeout <seconds>', 'receive and rendezvous timeout in the workers', String(DEFAULT_TIMEOUT_S))
    .option('--iface <name>', 'network interface the workers bind (default: all)')
    .option('--example <name>', 'run examples/<name>/train.mjs instead of a script path')
    .option('--job-id <id>', 'job id shared by every rank (default: random)')
    .addOption(
      new Option('--secure <mode>', 'mac: every frame MACed (header and body), in the clear; curve: also encrypted with CURVE, rendezvous included (slower)')
        .choices([...SECURE_MODES])
        .default(DEFAULT_SECURE),
    )
    .addOption(resumeOption());
}

export function addLaunchOptions(cmd: Command): Command {
  return addRunOptions(cmd)
    .option('--gpus <list>', 'GPU indices, one process each, e.g. 0,1,3; "none" for CPU (default: every GPU nvidia-smi reports)')
    .option('--out <dir>', 'output directory: logs, summary.json (default: runs/<timestamp>-<algorithm>-<topology>)')
    .addOption(new Option('--hosts <list>', 'start ranks over ssh on these hosts, e.g. a:4,b:4 (host:processes)').conflicts('hostfile'))
    .option('--hostfile <file>', 'hosts, one per line: "host slots=4" or "host:4"')
    .option('--grace <seconds>', 'seconds between SIGTERM and SIGKILL when stopping workers', String(DEFAULT_GRACE_S))
    .addOption(
      new Option('--cluster <kind>', 'local: plain processes; netns: one network namespace per rank on a bridge, an emulated multi-host cluster (root only)')
        .choices(['local', 'netns'])
        .default('local'),
    )
    .option('--rate <rate>', 'with --cluster netns: link rate of every rank, e.g. 1gbit or 100mbit (default: unlimited)')
    .option('-x, --env <NAME[=VALUE]>', 'set a variable on every rank, or forward the launcher\'s own with NAME alone (repeatable)', collect, [])
    .option('--ssh-port <n>', 'ssh port of the --hosts machines (default: ssh\'s own, usually 22)')
    .option('--ssh-identity-file <file>', 'private key for ssh to the --hosts machines')
    .option('-v, --verbose', 'show every rank\'s eval lines (default: rank 0\'s; DIR/rank-<i>.ndjson has all)')
    .option('--ssh-config <file>', 'ssh_config file for the --hosts machines (ssh -F): users, ports, keys, jump hosts');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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
