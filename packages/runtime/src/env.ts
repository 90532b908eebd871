/**
 * The environment contract between whoever starts a worker (the dtrain
 * launcher, torchrun, Slurm, a Kubernetes Indexed Job, docker compose) and
 * the worker itself. Pure: reads a plain record, never `process` unless given.
 *
 * Native variables (set by `dtrain launch`, `compose`, `k8s`):
 *   DTRAIN_RANK, DTRAIN_LOCAL_RANK, DTRAIN_WORLD_SIZE, DTRAIN_LOCAL_WORLD_SIZE
 *   (ranks on this host: hierarchical schedules group ranks by host),
 *   DTRAIN_RENDEZVOUS (host:port of rank 0), DTRAIN_JOB_ID, DTRAIN_SECRET,
 *   and the run options in RUN_OPTION_VARS (DTRAIN_ALGORITHM, ...).
 *
 * When DTRAIN_RANK is absent, another engine's variables are accepted:
 *   torchrun  RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT
 *   Slurm     SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID (+ SLURM_JOB_NODELIST)
 *   K8s       JOB_COMPLETION_INDEX (world size and rendezvous from DTRAIN_*)
 *
 * The secret is never derived: every engine needs DTRAIN_SECRET. torchrun's
 * own store has no authentication, so its users may expect none; a secret
 * made from public values (job id, host names) would look like protection
 * while giving none, so we refuse instead and say how to set one.
 */
import { checkJobId, checkRunOptions } from './env-checks.js';
import { WorkerEnvError } from './errors.js';
import { RUN_OPTION_VARS, type OptionKind, type RunOptions } from './run-options.js';

export { RUN_OPTION_VARS, type RunOptions } from './run-options.js';

/** Default rendezvous port when nothing names one (`dtrain launch --port`). */
export const DEFAULT_RENDEZVOUS_PORT = 29600;
/** Shortest accepted DTRAIN_SECRET, in characters. */
export const MIN_SECRET_LENGTH = 16;

/** Which engine's variables the contract was read from. */
export type EnvSource = 'dtrain' | 'torchrun' | 'slurm' | 'k8s';

export interface Rendezvous {
  host: string;
  port: number;
}

/** What the launcher decides for one worker. */
export interface WorkerEnvSpec {
  rank: number;
  localRank: number;
  /** Ranks on this host (DTRAIN_LOCAL_WORLD_SIZE); absent when the starter does not say. */
  localWorldSize?: number;
  worldSize: number;
  rendezvous: Rendezvous;
  jobId: string;
  secret: string;
  options: RunOptions;
}

/** What a worker reads back. */
export interface WorkerEnv extends WorkerEnvSpec {
  source: EnvSource;
}

/** 'bool' variables are written as 1 / 0 and read from 1, true, yes / 0, false, no; 'number' is any finite decimal. */

type Env = Readonly<Record<string, string | undefined>>;

function present(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function required(env: Env, name: string, fix: string): string {
  const v = present(env, name);
  if (v === undefined) throw new WorkerEnvError(name, `${name} is not set; ${fix}`);
  return v;
}

function parseCount(name: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new WorkerEnvError(name, `${name}=${JSON.stringify(raw)} is not an integer >= ${min}; set it to one`);
  }
  return Number(raw);
}

function intVar(env: Env, name: string, min: number, fix: string): number {
  return parseCount(name, required(env, name, fix), min);
}

/** Parse "host:port", "[v6]:port" or "host" (port then from `defaultPort`). */
export function parseRendezvous(name: string, raw: string, defaultPort?: number): Rendezvous {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw) ?? /^([^:\s]+)(?::(\d+))?$/.exec(raw);
  if (m === null) {
    throw new WorkerEnvError(name, `${name}=${JSON.stringify(raw)} is not host:port; write e.g. ${name}=node0:${DEFAULT_RENDEZVOUS_PORT}`);
  }
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port === undefined) {
    throw new WorkerEnvError(name, `${name}=${JSON.stringify(raw)} has no port; write ${name}=${m[1]}:${DEFAULT_RENDEZVOUS_PORT}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new WorkerEnvError(name, `${name}=${JSON.stringify(raw)} has port ${port}, outside 1..65535; pick another port`);
  }
  return { host: m[1], port };
}

/** First host of a Slurm node list: "gpu[03-05,9],cpu1" -> "gpu03". */
export function firstSlurmHost(nodelist: string): string {
  const m = /^([^,[\s]+)(?:\[([^\],-]+))?/.exec(nodelist.trim());
  if (m === null) {
    throw new WorkerEnvError('SLURM_JOB_NODELIST', `SLURM_JOB_NODELIST=${JSON.stringify(nodelist)} could not be read; set DTRAIN_RENDEZVOUS=host:port`);
  }
  return m[1] + (m[2] ?? '');
}

function parseDecimal(name: string, raw: string): number {
  const v = Number(raw);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw) || !Number.isFinite(v)) {
    throw new WorkerEnvError(name, `${name}=${JSON.stringify(raw)} is not a number; set it to a decimal such as 0.7`);
  }
  return v;
}

/** A boolean variable: 1/true/yes or 0/false/no (any case), else WorkerEnvError naming the value. */
export function parseFlag(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes') return true;
  if (v === '0' || v === 'false' || v === 'no') return false;
  throw new WorkerEnvError(name, `${name}=${JSON.stringify(raw)} is not a boolean; set ${name}=1 (on) or ${name}=0 (off)`);
}

/** The run options present in `env`, typed by RUN_OPTION_VARS. */
export function readRunOptions(env: Env): RunOptions {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, spec] of Object.entries(RUN_OPTION_VARS) as [keyof RunOptions, { name: string; kind: OptionKind }][]) {
    const raw = present(env, spec.name);
    if (raw === undefined) continue;
    if (spec.kind === 'int') out[key] = parseCount(spec.name, raw, 0);
    else if (spec.kind === 'number') out[key] = parseDecimal(spec.name, raw);
    else if (spec.kind === 'bool') out[key] = parseFlag(spec.name, raw);
    else out[key] = raw;
  }
  checkRunOptions(out as RunOptions);
  return out as RunOptions;
}

function readSecret(env: Env, source: EnvSource): string {
  const hint =
    source === 'dtrain'
      ? 'the launcher sets it; when starting workers by hand export the same DTRAIN_SECRET to every rank'
      : `${source} does not provide one: export DTRAIN_SECRET (the same value, >= ${MIN_SECRET_LENGTH} characters, e.g. from \`openssl rand -hex 16\`) to every rank`;
  const secret = required(env, 'DTRAIN_SECRET', hint);
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new WorkerEnvError('DTRAIN_SECRET', `DTRAIN_SECRET has ${secret.length} characters, fewer than ${MIN_SECRET_LENGTH}; use a longer random value (e.g. \`openssl rand -hex 16\`)`);
  }
  return secret;
}

function portOverride(env: Env): number | undefined {
  const raw = present(env, 'DTRAIN_PORT');
  return raw === undefined ? undefined : parseCount('DTRAIN_PORT', raw, 1);
}

function detectSource(env: Env): EnvSource {
  if (present(env, 'DTRAIN_RANK') !== undefined) return 'dtrain';
  if (present(env, 'RANK') !== undefined && present(env, 'MASTER_ADDR') !== undefined) return 'torchrun';
  if (present(env, 'SLURM_PROCID') !== undefined) return 'slurm';
  if (present(env, 'JOB_COMPLETION_INDEX') !== undefined) return 'k8s';
  throw new WorkerEnvError(
    'DTRAIN_RANK',
    'no rank found: set DTRAIN_RANK (or start under torchrun, Slurm srun or a Kubernetes Indexed Job); `dtrain launch` sets every variable for you',
  );
}

/** Read and validate the contract. Throws WorkerEnvError naming the variable and the fix. */
export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const source = detectSource(env);
  const fromDtrain = (name: string): string => `set ${name} (the launcher sets it for every rank)`;
  let rank: number;
  let localRank: number;
  let worldSize: number;
  let rendezvous: Rendezvous;
  let jobId: string;
  const nativeRdzv = present(env, 'DTRAIN_RENDEZVOUS');
  switch (source) {
    case 'dtrain':
      rank = intVar(env, 'DTRAIN_RANK', 0, fromDtrain('DTRAIN_RANK'));
      worldSize = intVar(env, 'DTRAIN_WORLD_SIZE', 1, fromDtrain('DTRAIN_WORLD_SIZE'));
      localRank = present(env, 'DTRAIN_LOCAL_RANK') === undefined ? 0 : intVar(env, 'DTRAIN_LOCAL_RANK', 0, '');
      rendezvous = parseRendezvous('DTRAIN_RENDEZVOUS', required(env, 'DTRAIN_RENDEZVOUS', 'set it to host:port of rank 0'));
      jobId = required(env, 'DTRAIN_JOB_ID', 'set the same DTRAIN_JOB_ID on every rank');
      break;
    case 'torchrun': {
      rank = intVar(env, 'RANK', 0, '');
      worldSize = intVar(env, 'WORLD_SIZE', 1, 'torchrun sets it; set WORLD_SIZE to the number of processes');
      localRank = present(env, 'LOCAL_RANK') === undefined ? 0 : intVar(env, 'LOCAL_RANK', 0, '');
      // torchrun's agent keeps its own store on MASTER_PORT, so rank 0 listens one above it.
      const masterPort = intVar(env, 'MASTER_PORT', 1, 'torchrun sets it; set MASTER_PORT or DTRAIN_RENDEZVOUS=host:port');
      rendezvous = nativeRdzv !== undefined
        ? parseRendezvous('DTRAIN_RENDEZVOUS', nativeRdzv, portOverride(env))
        : { host: required(env, 'MASTER_ADDR', ''), port: portOverride(env) ?? masterPort + 1 };
      jobId = present(env, 'DTRAIN_JOB_ID') ?? `torchrun-${present(env, 'TORCHELASTIC_RUN_ID') ?? 'none'}-${rendezvous.host}-${rendezvous.port}`;
      break;
    }
    case 'slurm': {
      rank = intVar(env, 'SLURM_PROCID', 0, '');
      worldSize = intVar(env, 'SLURM_NTASKS', 1, 'run the job step with srun (it sets SLURM_NTASKS) or set SLURM_NTASKS');
      localRank = present(env, 'SLURM_LOCALID') === undefined ? 0 : intVar(env, 'SLURM_LOCALID', 0, '');
      const port = portOverride(env) ?? (present(env, 'MASTER_PORT') !== undefined ? intVar(env, 'MASTER_PORT', 1, '') : DEFAULT_RENDEZVOUS_PORT);
      if (nativeRdzv !== undefined) rendezvous = parseRendezvous('DTRAIN_RENDEZVOUS', nativeRdzv, port);
      else if (present(env, 'MASTER_ADDR') !== undefined) rendezvous = { host: required(env, 'MASTER_ADDR', ''), port };
      else {
        const list = required(env, 'SLURM_JOB_NODELIST', 'set DTRAIN_RENDEZVOUS=host:port of the first node');
        rendezvous = { host: firstSlurmHost(list), port };
      }
      const step = present(env, 'SLURM_STEP_ID');
      jobId = present(env, 'DTRAIN_JOB_ID') ?? `slurm-${required(env, 'SLURM_JOB_ID', 'set DTRAIN_JOB_ID')}${step === undefined ? '' : `.${step}`}`;
      break;
    }
    case 'k8s':
      rank = intVar(env, 'JOB_COMPLETION_INDEX', 0, '');
      worldSize = intVar(env, 'DTRAIN_WORLD_SIZE', 1, 'set it to the Job\'s completions (`dtrain k8s` writes it)');
      localRank = present(env, 'DTRAIN_LOCAL_RANK') === undefined ? 0 : intVar(env, 'DTRAIN_LOCAL_RANK', 0, '');
      rendezvous = parseRendezvous('DTRAIN_RENDEZVOUS', required(env, 'DTRAIN_RENDEZVOUS', 'set it to <job>-0.<service>:port (`dtrain k8s` writes it)'), portOverride(env));
      jobId = required(env, 'DTRAIN_JOB_ID', 'set the same DTRAIN_JOB_ID on every pod (`dtrain k8s` writes it)');
      break;
  }
  const rankVar = { dtrain: 'DTRAIN_RANK', torchrun: 'RANK', slurm: 'SLURM_PROCID', k8s: 'JOB_COMPLETION_INDEX' }[source];
  if (rank >= worldSize) {
    throw new WorkerEnvError(rankVar, `${rankVar}=${rank} is not below the world size ${worldSize}; ranks run 0..${worldSize - 1}`);
  }
  const secret = readSecret(env, source);
  const localWorldSize = readLocalWorldSize(env, source, localRank, worldSize);
  return {
    source, rank, localRank, worldSize, ...(localWorldSize === undefined ? {} : { localWorldSize }),
    rendezvous, jobId: checkJobId(jobId), secret, options: readRunOptions(env),
  };
}

/** DTRAIN_LOCAL_WORLD_SIZE (torchrun: LOCAL_WORLD_SIZE), checked against the local rank and the world size. */
function readLocalWorldSize(env: Env, source: EnvSource, localRank: number, worldSize: number): number | undefined {
  const name = source === 'torchrun' && present(env, 'DTRAIN_LOCAL_WORLD_SIZE') === undefined ? 'LOCAL_WORLD_SIZE' : 'DTRAIN_LOCAL_WORLD_SIZE';
  if (present(env, name) === undefined) return undefined;
  const value = intVar(env, name, 1, '');
  if (value > worldSize || localRank >= value) {
    throw new WorkerEnvError(
      name,
      `${name}=${value} does not fit: the ranks on one host are at most the world size ${worldSize} and more than the local rank ${localRank}; set it to the number of processes on this host`,
    );
  }
  return value;
}

/** The inverse of readWorkerEnv for the native variables (used by the launchers). */
export function workerEnvToVars(spec: WorkerEnvSpec): Record<string, string> {
  const host = spec.rendezvous.host.includes(':') ? `[${spec.rendezvous.host}]` : spec.rendezvous.host;
  const vars: Record<string, string> = {
    DTRAIN_RANK: String(spec.rank),
    DTRAIN_LOCAL_RANK: String(spec.localRank),
    ...(spec.localWorldSize === undefined ? {} : { DTRAIN_LOCAL_WORLD_SIZE: String(spec.localWorldSize) }),
    DTRAIN_WORLD_SIZE: String(spec.worldSize),
    DTRAIN_RENDEZVOUS: `${host}:${spec.rendezvous.port}`,
    DTRAIN_JOB_ID: spec.jobId,
    DTRAIN_SECRET: spec.secret,
  };
  for (const [key, def] of Object.entries(RUN_OPTION_VARS) as [keyof RunOptions, { name: string }][]) {
    const v = spec.options[key];
    if (v !== undefined) vars[def.name] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  return vars;
}

/** The native variables for `env`, whatever engine set them (for `dtrain worker`). */
export function normalizeWorkerEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return workerEnvToVars(readWorkerEnv(env));
}
