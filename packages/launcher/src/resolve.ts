/**
 * Raw `dtrain launch` options -> LaunchConfig, with every check that must pass
 * before a worker starts (bad values, node counts that do not fit, a missing
 * script). The outside world comes in through ResolveIO, so tests pass fakes.
 */
import { join, resolve as resolvePath } from 'node:path';
import { DEFAULT_SECURE } from '@dtrain/runtime/contract';
import { EXAMPLE_ENTRIES } from './constants.js';
import { checkJob } from './launch-checks.js';
import { UsageError } from './errors.js';
import { isLocalHost, type HostSlots } from './hosts.js';
import { layout } from './layout.js';
import { MAX_NODES } from './netns/names.js';
import { parseRate } from './netns/rate.js';
import { elasticRunOptions, intOption, secondsOption, type LaunchOptionsRaw } from './options.js';
import { parseAlgoFlags, type AlgoRunOptions } from './algo-options.js';
import type { LaunchConfig } from './plan.js';
import { parseEnvFlags, type SshSettings } from './remote.js';
import { checkResume, type HeldCheckpoint } from './resume-checks.js';

export interface ResolveIO {
  cwd: string;
  now: Date;
  hostname: string;
  nodeBin: string;
  examplesDir: string;
  isFile(path: string): boolean;
  readFile(path: string): string;
  listDir(path: string): string[];
  detectGpus(): number[];
  /** The launcher's environment (what `--env NAME` forwards); empty when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Random hex string of `bytes` bytes. */
  randomHex(bytes: number): string;
  /** Throws when the topology cannot be built for this many nodes (localSize: ranks per host, when every host has as many); else may return the schedule's name. */
  checkTopology?(name: string, nodes: number, seed: number, localSize?: number): string | void;
  /** Throws when the algorithm is unknown, or refuses this topology or these options (as the workers would). */
  checkAlgorithm?(algorithm: string, topology: string, nodes: number, seed: number, options: { globalAvgPeriod?: number; overlap?: boolean } & AlgoRunOptions, localSize?: number): void;
  /** This machine's network interface names (for --iface); absent: not checked. */
  interfaces?(): string[];
  /** The checkpoints already in an output directory (for --resume); absent: not checked. */
  checkpoints?(out: string): HeldCheckpoint[];
}

export interface ResolvedLaunch {
  config: LaunchConfig;
  graceMs: number;
  /** What the workers will do with the checkpoints in --out, when there are some. */
  resumeNote?: string;
  /** --max-restarts: how often each rank of an elastic job is started again after it failed. */
  maxRestarts: number;
}

/** Examples that have an entry file, sorted. */
export function knownExamples(io: Pick<ResolveIO, 'examplesDir' | 'isFile' | 'listDir'>): string[] {
  let dirs: string[];
  try {
    dirs = io.listDir(io.examplesDir);
  } catch {
    return [];
  }
  return dirs.filter((d) => EXAMPLE_ENTRIES.some((e) => io.isFile(join(io.examplesDir, d, e)))).sort();
}

/**
 * With `--example NAME`, what follows `--` is the example's arguments, all of
 * them: commander hands the first one over as the script (`dtrain launch
 * --example mnist -- --epochs 1`). `rawArgs`: the command line as typed.
 */
export function exampleArgs(
  script: string | undefined,
  args: string[],
  example: string | undefined,
  rawArgs: readonly string[],
): { script: string | undefined; args: string[] } {
  if (example === undefined || script === undefined) return { script, args };
  const dd = rawArgs.indexOf('--');
  return dd >= 0 && rawArgs[dd + 1] === script ? { script: undefined, args: [script, ...args] } : { script, args };
}

/** The script to run: a path, or `--example NAME` -> examples/NAME/train.mjs (or train.js, index.mjs...). */
export function resolveScript(script: string | undefined, example: string | undefined, io: ResolveIO): string {
  if (script !== undefined && example !== undefined) {
    throw new UsageError(`got both a script (${script}) and --example ${example}; give one of them (arguments for the example go after --)`);
  }
  if (example !== undefined) {
    for (const entry of EXAMPLE_ENTRIES) {
      const path = join(io.examplesDir, example, entry);
      if (io.isFile(path)) return path;
    }
    const known = knownExamples(io);
    throw new UsageError(
      `--example ${JSON.stringify(example)} is not a known example; known: ${known.length > 0 ? known.join(', ') : `(none in ${io.examplesDir})`}`,
    );
  }
  if (script === undefined) {
    throw new UsageError('no script given; write `dtrain launch --nodes 4 train.mjs` or `dtrain launch --example NAME`');
  }
  const path = resolvePath(io.cwd, script);
  if (!io.isFile(path)) throw new UsageError(`script ${JSON.stringify(script)} not found (looked at ${path}); check the path`);
  return path;
}

function timestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Ranks per host as the workers will see it (DTRAIN_LOCAL_WORLD_SIZE): the same on every host, else undefined. */
export function uniformLocalSize(hosts: readonly { slots: number }[], nodes: number, netns: boolean): number | undefined {
  if (netns) return 1;
  const counts: number[] = [];
  let left = nodes;
  for (const { slots } of hosts) {
    const here = Math.min(slots, left);
    if (here > 0) counts.push(here);
    left -= here;
  }
  return counts.length > 0 && counts.every((c) => c === counts[0]) ? counts[0] : undefined;
}

/** The schedule's name (as checkpoints record it), once the topology is known to fit. */
function checkTopologyFits(raw: LaunchOptionsRaw, nodes: number, seed: number, io: ResolveIO, localSize: number | undefined): string {
  if (io.checkTopology === undefined) return raw.topology;
  try {
    return io.checkTopology(raw.topology, nodes, seed, localSize) ?? raw.topology;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UsageError(`--topology ${raw.topology} with ${nodes} nodes: ${msg}`);
  }
}

function checkAlgorithmFits(raw: LaunchOptionsRaw, nodes: number, seed: number, globalAvgPeriod: number | undefined, algo: AlgoRunOptions, io: ResolveIO, localSize: number | undefined): void {
  if (io.checkAlgorithm === undefined) return;
  try {
    io.checkAlgorithm(raw.algorithm, raw.topology, nodes, seed, {
      ...(globalAvgPeriod === undefined ? {} : { globalAvgPeriod }),
      ...(raw.overlap === true ? { overlap: true } : {}),
      ...algo,
    }, localSize);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UsageError(`--algorithm ${raw.algorithm}: ${msg}`, { cause: err });
  }
}

/**
 * `--cluster` and `--rate`: undefined for plain processes, else the emulated cluster's settings.
 * Shared by every command that takes them (launch, bench comm).
 */
export function clusterSettings(raw: Pick<LaunchOptionsRaw, 'cluster' | 'rate' | 'hosts' | 'hostfile'>, nodes: number): { rate?: string } | undefined {
  const kind = raw.cluster ?? 'local';
  if (kind !== 'local' && kind !== 'netns') throw new UsageError(`--cluster ${JSON.stringify(kind)} is not a cluster kind; use local or netns`);
  if (kind === 'local') {
    if (raw.rate !== undefined) throw new UsageError(`--rate ${raw.rate} shapes the links of an emulated cluster; add --cluster netns or drop --rate`);
    return undefined;
  }
  if (raw.hosts !== undefined || raw.hostfile !== undefined) {
    throw new UsageError(`--cluster netns runs every rank on this machine, each in its own network namespace; drop ${raw.hosts !== undefined ? '--hosts' : '--hostfile'} or --cluster`);
  }
  if (nodes > MAX_NODES) throw new UsageError(`--cluster netns gives each rank one address of a /24, so at most ${MAX_NODES} ranks; got --nodes ${nodes}`);
  if (raw.rate === undefined) return {};
  try {
    parseRate(raw.rate);
  } catch (err) {
    throw new UsageError(`--rate: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return { rate: raw.rate };
}

/** --ssh-*: only meaningful with remote hosts; files must exist. */
function sshSettings(raw: LaunchOptionsRaw, hosts: HostSlots[], io: ResolveIO): SshSettings {
  const given = [raw.sshPort && '--ssh-port', raw.sshIdentityFile && '--ssh-identity-file', raw.sshConfig && '--ssh-config'].filter((x) => typeof x === 'string');
  if (given.length > 0 && hosts.every((h) => isLocalHost(h.host, [io.hostname]))) {
    throw new UsageError(`${given.join(', ')} only apply to ranks started over ssh; add --hosts/--hostfile with remote hosts or drop them`);
  }
  const file = (flag: string, path: string | undefined): string | undefined => {
    if (path === undefined) return undefined;
    const abs = resolvePath(io.cwd, path);
    if (!io.isFile(abs)) throw new UsageError(`${flag} ${JSON.stringify(path)} not found (looked at ${abs}); check the path`);
    return abs;
  };
  const identityFile = file('--ssh-identity-file', raw.sshIdentityFile);
  const configFile = file('--ssh-config', raw.sshConfig);
  return {
    ...(raw.sshPort !== undefined ? { port: intOption('--ssh-port', raw.sshPort, 1, 65535) } : {}),
    ...(identityFile !== undefined ? { identityFile } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
  };
}

export function resolveLaunch(
  script: string | undefined,
  scriptArgs: string[],
  raw: LaunchOptionsRaw,
  io: ResolveIO,
): ResolvedLaunch {
  const seed = intOption('--seed', raw.seed, 0);
  const port = intOption('--port', raw.port, 1, 65535);
  const timeoutS = secondsOption('--timeout', raw.timeout);
  const graceS = secondsOption('--grace', raw.grace);
  const globalAvgPeriod = raw.globalAvgPeriod === undefined ? undefined : intOption('--global-avg-period', raw.globalAvgPeriod, 1);
  const { nodes, gpus, hosts } = layout(raw, io);
  const netns = clusterSettings(raw, nodes);
  const ssh = sshSettings(raw, hosts, io);
  const extraEnv = parseEnvFlags(raw.env ?? [], io.env ?? {});
  const path = resolveScript(script, raw.example, io);
  const localSize = uniformLocalSize(hosts, nodes, netns !== undefined);
  const schedule = checkTopologyFits(raw, nodes, seed, io, localSize);
  const algo = parseAlgoFlags(raw);
  checkAlgorithmFits(raw, nodes, seed, globalAvgPeriod, algo, io, localSize);
  const out = raw.out !== undefined ? resolvePath(io.cwd, raw.out) : join(io.cwd, 'runs', `${timestamp(io.now)}-${raw.algorithm}-${raw.topology}`);
  const options = {
    algorithm: raw.algorithm,
    topology: raw.topology,
    seed,
    timeoutMs: Math.round(timeoutS * 1000),
    ...(raw.backend !== undefined ? { backend: raw.backend } : {}),
    ...(raw.iface !== undefined ? { iface: raw.iface } : {}),
    ...(globalAvgPeriod !== undefined ? { globalAvgPeriod } : {}),
    ...(raw.overlap === true ? { overlap: true } : {}),
    ...algo,
    secure: raw.secure ?? DEFAULT_SECURE,
    ...(raw.resume !== undefined ? { resume: raw.resume } : {}),
    ...elasticRunOptions(raw, nodes),
  };
  const config: LaunchConfig = {
    script: path,
    scriptArgs,
    nodes,
    gpus,
    hosts,
    localNames: [io.hostname],
    port,
    jobId: raw.jobId ?? io.randomHex(6),
    secret: io.randomHex(16),
    out,
    cwd: io.cwd,
    nodeBin: io.nodeBin,
    remoteNodeBin: 'node',
    options,
    extraEnv,
    ssh,
    ...(netns !== undefined ? { netns } : {}),
  };
  const allHere = hosts.every((h) => isLocalHost(h.host, [io.hostname]));
  checkJob({ nodes, jobId: config.jobId, options, out, allHere: netns === undefined && allHere }, io);
  const maxRestarts = raw.maxRestarts === undefined ? 0 : intOption('--max-restarts', raw.maxRestarts, 0, 1000);
  if (maxRestarts > 0 && raw.elastic !== true) throw new UsageError(`--max-restarts ${maxRestarts} starts a failed rank again, which only an elastic job can take back; add --elastic`);
  // Checkpoints of ranks on other machines are theirs to check.
  const resumeNote =
    allHere && io.checkpoints !== undefined
      ? checkResume({ mode: raw.resume, out, nodes, algorithm: raw.algorithm, topology: schedule, seed }, io.checkpoints(out))
      : undefined;
  return { config, graceMs: Math.round(graceS * 1000), maxRestarts, ...(resumeNote !== undefined ? { resumeNote } : {}) };
}
