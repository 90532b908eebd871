import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ContractError, decodeRecord, decodeRunSummary, REJOIN_VAR } from '@dtrain/runtime/contract';
import { describeCluster } from '../netns/cluster.js';
import { openCluster } from '../netns/open.js';
import { EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_WORKER_FAILED, TAIL_LINES } from '../constants.js';
import { RankLog, parseLine, type LogLine } from '../logs.js';
import { StartupNoise } from '../noise.js';
import { nodeIO } from '../node-io.js';
import { addLaunchOptions, type LaunchOptionsRaw } from '../options.js';
import { JobOutput } from '../output.js';
import { plan, type LaunchConfig, type ProcessSpec } from '../plan.js';
import { exampleArgs, resolveLaunch } from '../resolve.js';
import { describeExit, isFailure, startJob, type JobOutcome, type WorkerExit } from '../spawn.js';
import { renderSummary } from '../summary.js';

const EXAMPLES = `
Examples:
  dtrain launch --nodes 4 train.mjs                 4 CPU processes on this machine
  dtrain launch --gpus 0,1 train.mjs -- --epochs 3  2 processes, one per GPU; script args after --
  dtrain launch --example mnist --topology exp
  dtrain launch --hosts node1:4,node2:4 --gpus 0,1,2,3 train.mjs   8 ranks over ssh
  sudo dtrain launch --cluster netns --rate 1gbit --nodes 4 train.mjs   4 emulated hosts, 1 Gbit/s links

Each rank gets DTRAIN_RANK, DTRAIN_WORLD_SIZE, DTRAIN_RENDEZVOUS, ... (see @dtrain/runtime env).
Logs: DIR/rank-<i>.ndjson. Exit codes: 0 ok, 1 a worker failed, 2 bad usage, 130/143 interrupted.`;

export function registerLaunch(program: Command): void {
  const cmd = program
    .command('launch')
    .description('start a training job: one process per GPU or --nodes CPU processes, here or over ssh')
    .argument('[script]', 'worker script run with node (or use --example NAME)')
    .argument('[args...]', 'arguments for the script (write them after --)')
    .addHelpText('after', EXAMPLES);
  addLaunchOptions(cmd).action(async (script: string | undefined, args: string[], raw: LaunchOptionsRaw, self: Command) => {
    // commander keeps the command line as typed on the program (not in its typings): where `--` was.
    const typed = (self.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? process.argv;
    const given = exampleArgs(script, args, raw.example, typed);
    process.exitCode = await runLaunch(given.script, given.args, raw);
  });
}

/** `tf-threads=N` as the plan gives rank 0 (per remote host: cores/ranks there); the user's own value when set. */
function threadsLabel(specs: readonly ProcessSpec[]): string {
  const first = specs[0];
  if (first === undefined) return '';
  if (first.remote) return 'tf-threads=cores/ranks per host';
  const v = first.env.TF_NUM_INTRAOP_THREADS ?? process.env.TF_NUM_INTRAOP_THREADS;
  return v === undefined ? '' : `tf-threads=${v}`;
}

/** The plan as written to DIR/plan.json: everything but the secret. */
function redacted(specs: readonly ProcessSpec[]): unknown {
  return specs.map((s) => ({
    ...s,
    env: { ...s.env, ...(s.env.DTRAIN_SECRET !== undefined ? { DTRAIN_SECRET: '<redacted>' } : {}) },
    args: s.remote ? s.args.map((a) => a.replace(/DTRAIN_SECRET=\S+/, 'DTRAIN_SECRET=<redacted>')) : s.args,
  }));
}

/** Every rank's address and process instance, from its init line: what a replacement starts from (DTRAIN_REJOIN). */
class JobTableRecorder {
  private readonly addresses: string[];
  private readonly instances: string[];

  constructor(nodes: number) {
    this.addresses = new Array<string>(nodes).fill('');
    this.instances = new Array<string>(nodes).fill('0000000000000000');
  }

  see(rank: number, line: LogLine): void {
    if (line.kind !== 'json' || line.record.kind !== 'init') return;
    const { address, inst } = line.record;
    if (typeof address === 'string' && typeof inst === 'string') {
      this.addresses[rank] = address;
      this.instances[rank] = inst;
    }
  }

  json(): string {
    return JSON.stringify({ addresses: this.addresses, instances: this.instances });
  }
}

/** What the ranks said of their peers: `peer-lost` records, in arrival order. */
export interface LostReport {
  reporter: number;
  peer: number;
  cause: string;
  why: string;
}

/** The peer-lost record on a line, if it holds one. */
function lostReport(rank: number, line: LogLine): LostReport | undefined {
  if (line.kind !== 'json' || line.record.kind !== 'peer-lost') return undefined;
  try {
    const r = decodeRecord(line.record);
    return r?.kind === 'peer-lost' ? { reporter: rank, peer: r.peer, cause: r.cause, why: r.why } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The rank to blame for a failed job: a rank found stopped, or the one its
 * peers lost by heartbeat (alive but silent), names the cause better than
 * the first peer that gave up waiting for it.
 */
export function blame(failed: WorkerExit, stopped: readonly number[], lost: readonly LostReport[]): string | undefined {
  const silent = [...new Set(lost.filter((l) => l.cause === 'heartbeat' && l.peer !== failed.rank).map((l) => l.peer))];
  const culprit = stopped.find((r) => r !== failed.rank) ?? silent[0];
  if (culprit === undefined) return undefined;
  const seenBy = [...new Set(lost.filter((l) => l.peer === culprit).map((l) => l.reporter))].sort((a, b) => a - b);
  const state = stopped.includes(culprit) ? 'is stopped (SIGSTOP or a debugger: its process state is T)' : 'stopped answering';
  const by = seenBy.length > 0 ? `; rank${seenBy.length > 1 ? 's' : ''} ${seenBy.join(', ')} lost it (no heartbeat answered)` : '';
  return `rank ${culprit} ${state}${by}`;
}

/** Why an elastic rank left, from the error code its last lines show (empty when none). */
function elasticNote(log: RankLog | undefined): string {
  const code = /E_ELASTIC_[A-Z_]+/.exec((log?.tail() ?? []).join('\n'))?.[0];
  const notes: Record<string, string> = {
    E_ELASTIC_EXCLUDED: 'the others had removed it (silent too long); it left without mixing its parameters in',
    E_ELASTIC_QUORUM: 'it could reach half or fewer of the members',
    E_ELASTIC_MIN_NODES: 'fewer ranks than --min-nodes were left',
  };
  return code === undefined ? '' : ` (${code}: ${notes[code] ?? 'see its log'})`;
}

/** The reason an elastic job gave up (below --min-nodes first, then no quorum), from the ranks' last lines. */
function elasticStop(logs: readonly RankLog[]): string | undefined {
  for (const code of ['E_ELASTIC_MIN_NODES', 'E_ELASTIC_QUORUM']) {
    for (const log of logs) {
      const tail = log.tail().join('\n');
      if (!tail.includes(code)) continue;
      // The worker's one line `E_CODE: message` (or a logged ElasticError).
      const line = new RegExp(`${code}: ([^\\n"]+)`).exec(tail)?.[1] ?? /ElasticError: ([^\n"]+)/.exec(tail)?.[1];
      return `${code}${line !== undefined ? `: ${line.replace(/\\"/g, '"')}` : ''}`;
    }
  }
  return undefined;
}

function report(outcome: JobOutcome, logs: readonly RankLog[], out: string, lost: readonly LostReport[] = []): number {
  const err = process.stderr;
  if (outcome.kind === 'succeeded') {
    const path = join(out, 'summary.json');
    if (existsSync(path)) {
      try {
        process.stdout.write(`\n${renderSummary(decodeRunSummary(JSON.parse(readFileSync(path, 'utf8')), path))}\n`);
      } catch (e) {
        const why = e instanceof ContractError ? e.message : `${path} is not valid JSON (${e instanceof Error ? e.message : String(e)})`;
        err.write(`dtrain: ${why}\n`);
      }
    }
    const left = outcome.exits.filter(isFailure);
    if (left.length === 0) err.write(`dtrain: ${outcome.exits.length} ranks finished; logs in ${out}\n`);
    else {
      const finished = outcome.exits.length - left.length;
      err.write(`dtrain: ${finished} of ${outcome.exits.length} ranks finished (elastic); ${left.map((e) => describeExit(e) + elasticNote(logs[e.rank])).join('; ')}; logs in ${out}\n`);
    }
    return 0;
  }
  if (outcome.kind === 'interrupted') {
    err.write(`dtrain: interrupted by ${outcome.signal}; stopped all ${outcome.exits.length} ranks; logs in ${out}\n`);
    return outcome.signal === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
  }
  const { failed } = outcome;
  const stop = elasticStop(logs);
  if (stop !== undefined) err.write(`dtrain: the elastic job stopped: ${stop}\n`);
  const culprit = blame(failed, outcome.stopped, lost);
  if (culprit !== undefined) err.write(`dtrain: ${culprit}\n`);
  err.write(`dtrain: ${describeExit(failed)}${culprit !== undefined ? ' (it gave up on that rank)' : ''}; stopped the other ranks\n`);
  const tail = logs[failed.rank]?.tail() ?? [];
  if (tail.length > 0) err.write(`--- last ${tail.length} lines of rank ${failed.rank} (${join(out, `rank-${failed.rank}.ndjson`)}) ---\n${tail.join('\n')}\n`);
  return EXIT_WORKER_FAILED;
}

export async function runLaunch(script: string | undefined, args: string[], raw: LaunchOptionsRaw): Promise<number> {
  const { config, graceMs, resumeNote, maxRestarts } = resolveLaunch(script, args, raw, nodeIO());
  if (resumeNote !== undefined) process.stderr.write(`dtrain: ${resumeNote}\n`);
  const cluster = config.netns === undefined ? null : await openCluster(config.nodes, config.netns);
  try {
    if (cluster !== null) {
      const { hosts } = cluster;
      process.stderr.write(`dtrain: emulated cluster: ${describeCluster(cluster)}; ranks at ${hosts[0]}..${hosts[hosts.length - 1]}, rendezvous ${hosts[0]}:${config.port}\n`);
    }
    return await runJob(config, plan(config, cluster ?? undefined), graceMs, maxRestarts, raw.verbose === true);
  } finally {
    await cluster?.destroy();
  }
}

async function runJob(config: LaunchConfig, specs: ProcessSpec[], graceMs: number, maxRestarts: number, verbose: boolean): Promise<number> {
  mkdirSync(config.out, { recursive: true });
  writeFileSync(join(config.out, 'plan.json'), `${JSON.stringify(redacted(specs), null, 2)}\n`);
  const device = config.gpus === null ? 'remote' : config.gpus.length === 0 ? 'CPU' : `GPUs ${config.gpus.join(',')}`;
  process.stderr.write(
    `dtrain: ${config.nodes} ranks (${device}) algorithm=${config.options.algorithm} topology=${config.options.topology} ${threadsLabel(specs)} job=${config.jobId} -> ${config.out}\n`,
  );
  const logs = specs.map((s) => new RankLog(s.rank, s.logPath, TAIL_LINES));
  const output = new JobOutput(config.nodes, { out: process.stdout, err: process.stderr }, { verbose });
  const noise = new StartupNoise();
  const lost: LostReport[] = [];
  const table = new JobTableRecorder(config.nodes);
  const job = startJob(specs, {
    graceMs,
    ...(config.options.elastic === true
      ? { elastic: { minNodes: config.options.minNodes ?? 1, maxRestarts, restartEnv: () => ({ [REJOIN_VAR]: table.json() }) } }
      : {}),
    onRestart: (exit, count) => process.stderr.write(`dtrain: ${describeExit(exit)}; starting it again (${count} of ${maxRestarts}): it rejoins from a live rank\n`),
    onLine: (rank, stream, text) => {
      const line = parseLine(text);
      const now = Date.now();
      const l = lostReport(rank, line);
      if (l !== undefined) lost.push(l);
      table.see(rank, line);
      logs[rank].write(line, stream, now);
      if (stream === 'stderr' && line.kind === 'text' && noise.repeated(line.raw)) return;
      output.line(rank, line, now);
    },
  });
  const onSignal = (signal: NodeJS.Signals): void => job.interrupt(signal);
  const onExit = (): void => job.killNow();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', onExit);
  try {
    const outcome = await job.done;
    output.end();
    await Promise.all(logs.map((l) => l.close()));
    return report(outcome, logs, config.out, lost);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('exit', onExit);
  }
}
