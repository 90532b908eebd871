/**
 * `init()`: the one call a training script makes. It reads the environment
 * contract (env.ts; a plain `node train.mjs` without it runs as rank 0 of
 * 1), selects the TensorFlow.js backend, connects the ZeroMQ transport,
 * and returns a Session with the communicator, the schedule and the
 * validated algorithm. Values set by the launcher (DTRAIN_ALGORITHM,
 * DTRAIN_TOPOLOGY, ...) take precedence over those passed here, which are
 * the script's defaults; so one script runs unchanged under any
 * `dtrain launch --algorithm A --topology T`.
 *
 * Before it returns, a multi-process worker has checked the schedule and
 * every link it will use (startup.ts), and watches its launcher and the
 * termination signals (parent-watch.ts): it never outlives the launcher and
 * leaves promptly on SIGTERM.
 */
import { join } from 'node:path';
import { createSchedule, type Schedule } from '@dtrain/topology';
import { algorithmSpec, validateAlgorithm } from '../algorithms/registry.js';
import type { AlgorithmOptions } from '../algorithms/types.js';
import { DEFAULT_ALGORITHM } from '../algorithms/constants.js';
import { readRunOptions, readWorkerEnv, type RunOptions, type WorkerEnv } from '../env.js';
import { readRejoin } from '../env-rejoin.js';
import { selectBackend } from '../tf/backend.js';
import { registerFileRouter } from '../tf/file-io.js';
import type { BackendChoice } from '../tf/probe.js';
import { BACKEND_CHOICES } from '../tf/probe.js';
import { connectZmqTransport } from '../transport/connect.js';
import { createMemoryNetwork } from '../transport/memory.js';
import type { Transport } from '../transport/types.js';
import type { Logger } from 'pino';
import { BackendError, WorkerEnvError } from '../errors.js';
import { isResumeMode } from '../env-checks.js';
import { installFailureHandler } from '../failure.js';
import { DEFAULT_SEED, defaultTopology } from '../contract/defaults.js';
import { resolveSecureMode, type SecureMode } from '../transport/secure.js';
import { DEFAULT_CHUNK_FLOATS, FRAME_SLACK_FLOATS } from '../comm/constants.js';
import { encodePeerLost } from '../contract/records.js';
import { createLogger } from './metrics.js';
import { readParentPid, watchProcess, type ProcessWatch } from './parent-watch.js';
import { Session } from './session.js';
import { checkElastic } from './elastic.js';
import { runStartupChecks, verifyStartupSchedule } from './startup.js';

export interface InitOptions extends AlgorithmOptions {
  /** Script defaults, overridden by DTRAIN_ALGORITHM / DTRAIN_TOPOLOGY / ... when set. */
  algorithm?: string;
  topology?: string;
  backend?: BackendChoice;
  seed?: number;
  out?: string;
  /** Receive / rendezvous timeout in ms. */
  timeoutMs?: number;
  /** 'tcp' (default) or 'ipc' (every rank on this host). */
  protocol?: 'tcp' | 'ipc';
  /** Channel protection: 'mac' (default) or 'curve'; DTRAIN_SECURE (`--secure`) overrides it. */
  secure?: SecureMode;
  /** Elastic membership (DTRAIN_ELASTIC, `--elastic`; docs/elastic.md): a lost rank does not end the job. */
  elastic?: boolean;
  /** With elastic: fewest live ranks to go on with (DTRAIN_MIN_NODES, `--min-nodes`; default 1). */
  minNodes?: number;
  /** A pino logger; default: NDJSON on stdout with the rank in every line. */
  logger?: Logger;
  /** The environment to read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * End the process with one line `E_CODE: message` and exit code 1 on an error the script
   * does not catch (default true); false leaves uncaught errors to the process's own handlers.
   */
  exitOnError?: boolean;
}

const ENGINE_VARS = ['DTRAIN_RANK', 'RANK', 'SLURM_PROCID', 'JOB_COMPLETION_INDEX'];

/** The worker contract, or undefined when no launcher set one (a plain single-process run). */
function workerEnv(env: NodeJS.ProcessEnv): WorkerEnv | undefined {
  if (ENGINE_VARS.every((v) => env[v] === undefined || env[v]?.trim() === '')) return undefined;
  return readWorkerEnv(env);
}

function backendChoice(raw: string | undefined): BackendChoice {
  const b = raw ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(b)) {
    throw new BackendError('E_BACKEND_UNKNOWN', `unknown backend '${b}'; choose one of ${BACKEND_CHOICES.join(', ')}`);
  }
  return b as BackendChoice;
}

/**
 * Algorithm options: the launcher's (DTRAIN_GLOBAL_AVG_PERIOD, DTRAIN_OVERLAP) are explicit
 * and refused when the algorithm does not read them; the script's are
 * defaults kept only for the algorithms that read them, so a script that
 * sets momentum (or overlap) still runs under --algorithm psgd.
 */
function algorithmOptions(name: string, script: AlgorithmOptions, fromEnv: AlgorithmOptions, logger: Logger): AlgorithmOptions {
  let reads: readonly string[] = [];
  try {
    reads = algorithmSpec(name).options;
  } catch {
    return { ...script, ...fromEnv }; // unknown name: the session refuses it with the list of names
  }
  const kept: AlgorithmOptions = {};
  for (const key of ['rounds', 'globalAvgPeriod', 'momentum', 'overlap', ...ENV_ALGORITHM_KEYS] as const) {
    if (script[key] === undefined) continue;
    if (reads.includes(key)) (kept as Record<string, unknown>)[key] = script[key];
    else logger.info({ kind: 'option-ignored', option: key, algorithm: name }, `${name} does not use ${key}; ignored`);
  }
  return { ...kept, ...fromEnv };
}

/** Hierarchical schedules number ranks host by host: rank = host * L + local rank. */
function checkHostLayout(schedule: Schedule, we: WorkerEnv | undefined): void {
  const L = schedule.hierarchy?.localSize;
  if (L === undefined || we === undefined || we.rank % L === we.localRank) return;
  throw new WorkerEnvError(
    'DTRAIN_LOCAL_RANK',
    `${schedule.name} numbers ranks host by host (rank = host x ${L} + local rank), but rank ${we.rank} has DTRAIN_LOCAL_RANK=${we.localRank}; ` +
      'start the ranks of each host consecutively (dtrain launch --hosts does)',
  );
}

/** Algorithm options that also travel as DTRAIN_* variables (compression, the outer optimizer). */
const ENV_ALGORITHM_KEYS = ['compress', 'consensusStep', 'outerOptimizer', 'outerLr', 'outerMomentum'] as const;

function pickDefined(run: RunOptions, keys: readonly (keyof RunOptions & keyof AlgorithmOptions)[]): AlgorithmOptions {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (run[key] !== undefined) out[key] = run[key];
  return out as AlgorithmOptions;
}

export async function init(options: InitOptions = {}): Promise<Session> {
  // From here on an error the script does not catch ends it with one line `E_CODE: message` and exit code 1.
  if (options.exitOnError !== false) installFailureHandler();
  const env = options.env ?? process.env;
  const we = workerEnv(env);
  const run = we?.options ?? readRunOptions(env);
  const rank = we?.rank ?? 0;
  const size = we?.worldSize ?? 1;
  // Where no launcher collects stdout (compose, Kubernetes), the rank writes its own records file.
  const recordsFile = run.logRecords === true && run.out !== undefined ? join(run.out, `rank-${rank}.ndjson`) : undefined;
  const logger = options.logger ?? createLogger(rank, 'info', recordsFile);
  const algorithm = run.algorithm ?? options.algorithm ?? DEFAULT_ALGORITHM;
  const topology = run.topology ?? options.topology ?? defaultTopology(size);
  const seed = run.seed ?? options.seed ?? DEFAULT_SEED;
  const out = run.out ?? options.out;
  const timeoutMs = run.timeoutMs ?? options.timeoutMs;
  const secure = resolveSecureMode(run.secure, options.secure);
  const algOptions = algorithmOptions(
    algorithm,
    {
      rounds: options.rounds, globalAvgPeriod: options.globalAvgPeriod, momentum: options.momentum, overlap: options.overlap,
      compress: options.compress, consensusStep: options.consensusStep,
      outerOptimizer: options.outerOptimizer, outerLr: options.outerLr, outerMomentum: options.outerMomentum,
    },
    {
      ...(run.globalAvgPeriod !== undefined ? { globalAvgPeriod: run.globalAvgPeriod } : {}),
      ...(run.overlap !== undefined ? { overlap: run.overlap } : {}),
      ...pickDefined(run, ENV_ALGORITHM_KEYS),
    },
    logger,
  );
  // Refuse an invalid algorithm/topology pair, or an inconsistent schedule, before any backend or network work.
  const schedule = createSchedule(topology, size, { seed, ...(we?.localWorldSize === undefined ? {} : { localSize: we.localWorldSize }) });
  checkHostLayout(schedule, we);
  validateAlgorithm(algorithm, schedule, algOptions);
  const verified = verifyStartupSchedule(schedule);
  const elasticOn = (run.elastic ?? options.elastic) === true && size > 1;
  if (elasticOn) checkElastic(algorithmSpec(algorithm), algOptions);
  // A replacement (dtrain launch --max-restarts): it asks the live ranks to take it back in.
  const rejoin = elasticOn ? readRejoin(env, size) : undefined;
  const multi = we !== undefined && size > 1;
  const watch: ProcessWatch | undefined = multi
    ? watchProcess({ parentPid: readParentPid(env), onStop: (reason) => logger.warn({ kind: 'stop' }, reason) })
    : undefined;
  let transport: Transport | undefined;
  try {
    // Why this backend, once per job: rank 0 logs it; the others only at debug level (every init line names the backend).
    const report = await selectBackend(backendChoice(run.backend ?? options.backend), (msg) =>
      rank === 0 ? logger.info({ kind: 'backend' }, msg) : logger.debug({ kind: 'backend' }, msg),
    );
    // model.save('file://DIR') without tfjs-node (which brings its own file:// handler).
    registerFileRouter();
    if (!multi) {
      transport = createMemoryNetwork(1, timeoutMs === undefined ? {} : { timeoutMs })[0];
    } else {
      const connected = await connectZmqTransport({
        ...(rejoin !== undefined ? { rejoin } : {}),
        rank,
        size,
        rendezvous: `${we.rendezvous.host.includes(':') ? `[${we.rendezvous.host}]` : we.rendezvous.host}:${we.rendezvous.port}`,
        jobId: we.jobId,
        secret: we.secret,
        iface: run.iface,
        protocol: options.protocol,
        timeoutMs,
        secure,
        // What the session's communicator sends at most (chunks): ZeroMQ refuses larger parts unread.
        maxElements: DEFAULT_CHUNK_FLOATS + FRAME_SLACK_FLOATS,
        onDrop: (reason, count) =>
          logger.warn({ kind: 'drop', reason, count }, `dropped ${count} frame(s) so far as ${reason} (see summary.json for the totals)`),
        ...(run.heartbeatMs !== undefined ? { heartbeatMs: run.heartbeatMs } : {}),
        onPeerLost: (peer, why, cause) => logger.warn(encodePeerLost({ peer, cause, why }), `rank ${peer} is gone: ${why}`),
      });
      transport = watch === undefined ? connected : watch.attach(connected);
    }
    // A replacement's peers answer it only once they took it back in: its links are checked by the handover.
    const startup = rejoin === undefined ? await runStartupChecks(transport, schedule, verified) : { ...verified, peers: [], verifySeconds: verified.seconds, checkSeconds: 0 };
    const elastic = elasticOn ? { minNodes: run.minNodes ?? options.minNodes ?? 1, joining: rejoin !== undefined } : undefined;
    const session = new Session({
      transport, algorithm, schedule, topology, seed, out, backend: report.backend, logger, algorithmOptions: algOptions, secure: multi ? secure : undefined, elastic,
      ...(isResumeMode(run.resume) ? { resume: run.resume } : {}),
    });
    logger.info(
      {
        kind: 'init', rank, size, pid: process.pid, algorithm: session.algorithm, topology: session.topology, backend: report.backend, seed, secure, elastic: elastic !== undefined,
        ...(schedule.hierarchy === undefined ? {} : { hosts: schedule.hierarchy.hosts, localSize: schedule.hierarchy.localSize }),
        overlap: session.algorithmOptions.overlap === true,
        checkedIterations: startup.iterations, checkedPeers: startup.peers.length,
        ...(multi ? { address: transport.address(rank), inst: (transport as { instance?: string }).instance } : {}),
        ...(rejoin !== undefined ? { rejoining: true } : {}),
        verifySeconds: startup.verifySeconds, checkSeconds: startup.checkSeconds,
      },
      'ready',
    );
    return session;
  } catch (err) {
    watch?.stop();
    await transport?.close();
    throw err;
  }
}
