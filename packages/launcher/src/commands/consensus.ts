/**
 * `dtrain consensus`: average consensus between N real processes on this
 * machine, talking over ZeroMQ. Rank i starts from a vector drawn from
 * (seed, i); each round is one neighbour exchange with the schedule's
 * weights (push-sum on column-stochastic schedules). Prints, per round,
 * the largest |x_i - xbar| over every rank and coordinate, where xbar is
 * the exact average of the starting vectors. With --compress the exchange
 * is CHOCO-Gossip (compressed differences, consensus step --consensus-step),
 * and --json also gives the body bytes every rank sent per round.
 *
 * --local-size L groups the processes into emulated hosts of L ranks
 * (hier:<inter> topologies use them) and reports the data bytes that cross
 * hosts per round, from the ranks' transport counters; --op allreduce runs
 * an allreduce of the mean each round instead (hierarchical under `hier`).
 */
import type { Command } from 'commander';
import { createSchedule } from '@dtrain/topology';
import { workerScriptPath } from '@dtrain/runtime/contract';
import { parseAlgoFlags } from '../algo-options.js';
import { UsageError } from '../errors.js';
import { intOption } from '../options.js';
import { DEFAULT_TIMEOUT_S } from '../constants.js';
import { nodesOption, seedOption } from '../option-defs.js';
import { commOptions, numberList, runForResults, timeoutMsOption, transportOption } from './local-workers.js';

interface ConsensusFlags {
  nodes: string;
  topology: string;
  rounds: string;
  length: string;
  seed: string;
  transport: string;
  timeout: string;
  json?: boolean;
  localSize?: string;
  op: string;
  killRank?: string;
  killRound?: string;
  compress?: string;
  consensusStep?: string;
  elastic?: boolean;
}

async function consensusAction(flags: ConsensusFlags): Promise<void> {
  const nodes = intOption('--nodes', flags.nodes, 1, 1024);
  const rounds = intOption('--rounds', flags.rounds, 1);
  const length = intOption('--length', flags.length, 1);
  const seed = intOption('--seed', flags.seed, 0);
  const transport = transportOption(flags.transport);
  const timeoutMs = timeoutMsOption(flags.timeout);
  const localSize = flags.localSize === undefined ? undefined : intOption('--local-size', flags.localSize, 1, nodes);
  if (localSize !== undefined && nodes % localSize !== 0) {
    throw new UsageError(`--local-size ${localSize} does not divide --nodes ${nodes}; give the ranks per emulated host`);
  }
  if (flags.op !== 'gossip' && flags.op !== 'allreduce') throw new UsageError(`--op must be gossip or allreduce; got '${flags.op}'`);
  createSchedule(flags.topology, nodes, { seed, ...(localSize === undefined ? {} : { localSize }) }); // a bad name or size fails here, with exit code 2
  const killRank = flags.killRank === undefined ? -1 : intOption('--kill-rank', flags.killRank, 0, nodes - 1);
  const killRound = flags.killRound === undefined ? 0 : intOption('--kill-round', flags.killRound, 0, rounds - 1);

  const elastic = flags.elastic === true;
  const algo = parseAlgoFlags({ compress: flags.compress, consensusStep: flags.consensusStep });
  if (elastic && (algo.compress !== undefined || localSize !== undefined || flags.op !== 'gossip')) {
    throw new UsageError('--elastic runs plain gossip rounds over the live ranks; drop --compress, --local-size and --op, or --elastic');
  }
  if (algo.compress !== undefined && createSchedule(flags.topology, nodes, { seed, ...(localSize === undefined ? {} : { localSize }) }).stochastic !== 'doubly') {
    throw new UsageError(`--compress needs a doubly stochastic schedule (CHOCO-Gossip); ${flags.topology} is column stochastic only: drop --compress or pick an undirected topology`);
  }
  if (algo.consensusStep !== undefined && algo.compress === undefined) throw new UsageError('--consensus-step is the step size of compressed gossip; add --compress or drop it');
  if (algo.compress !== undefined && flags.op === 'allreduce') throw new UsageError('--compress is for the gossip rounds; drop it or --op allreduce');
  const params = { topology: flags.topology, rounds, length, seed, transport, timeoutMs, killRank, killRound, op: flags.op, compress: algo.compress ?? 'fp32', gamma: algo.consensusStep ?? 0, elastic };
  const job = { script: workerScriptPath('consensus'), params, nodes, graceMs: 2 * timeoutMs + 5_000, elastic, ...(localSize === undefined ? {} : { localSize }) };
  const results = await runForResults('consensus', job);
  const worst = new Array<number>(rounds).fill(0);
  let across = 0;
  let bytes = 0;
  results.forEach((r, i) => {
    const who = `rank ${String(r.rank ?? i)}`;
    numberList(r.maxDeviation, rounds, `${who}'s maxDeviation`).forEach((d, k) => (worst[k] = Math.max(worst[k], d)));
    if (elastic) return;
    bytes += numberList(r.bytesSent, 1, `${who}'s bytesSent`)[0];
    if (localSize === undefined) return;
    numberList(r.bytesSentTo, nodes, `${who}'s bytesSentTo`).forEach((b, p) => {
      if (Math.floor(p / localSize) !== Math.floor(i / localSize)) across += b;
    });
  });
  const crossHostBytesPerRound = localSize === undefined ? undefined : across / rounds;
  // Elastic: every survivor reports the memberships it installed, with the target (the live ranks' average then).
  const changes = elastic ? ((results[0]?.changes as { round: number; members: number[] }[] | undefined) ?? []) : [];
  if (flags.json) {
    const extra = elastic
      ? { ranks: results.map((r) => r.rank), changes: results.map((r) => ({ rank: r.rank, changes: r.changes })), initialAverage: results[0]?.initialAverage }
      : { bytesPerRound: bytes / rounds, ...(crossHostBytesPerRound === undefined ? {} : { crossHostBytesPerRound }) };
    process.stdout.write(`${JSON.stringify({ maxDeviation: worst, ...extra })}\n`);
    return;
  }
  for (const c of changes) process.stdout.write(`membership from round ${c.round}: ranks ${c.members.join(', ')}; xbar = their average then\n`);
  const hosts = localSize === undefined ? '' : `, ${nodes / localSize} hosts of ${localSize}`;
  process.stdout.write(`${flags.topology}${flags.op === 'allreduce' ? ' (allreduce)' : ''}, ${nodes} processes${hosts}, length ${length}, ${transport}\nround  max |x_i - xbar|\n`);
  worst.forEach((d, k) => process.stdout.write(`${String(k + 1).padStart(5)}  ${d.toExponential(3)}\n`));
  if (crossHostBytesPerRound !== undefined) process.stdout.write(`bytes crossing hosts per round: ${Math.round(crossHostBytesPerRound)}\n`);
}

export function registerConsensus(program: Command): void {
  const consensus = program
    .command('consensus')
    .description('average consensus between N local processes over ZeroMQ; prints max |x_i - xbar| per round')
    .addOption(nodesOption().makeOptionMandatory())
    .requiredOption('--topology <name>', 'topology name (see `dtrain topology list`)')
    .requiredOption('--rounds <k>', 'neighbour exchanges to run')
    .option('--length <l>', 'vector length per rank', '1000')
    .addOption(seedOption())
    .option('--local-size <L>', 'emulated hosts of L consecutive ranks (hier:<inter> topologies); report the bytes that cross hosts')
    .option('--op <gossip|allreduce>', 'each round one neighbour exchange, or an allreduce of the mean (hierarchical under hier)', 'gossip')
    .option('--kill-rank <r>', 'fault injection: this rank kills itself (SIGKILL) ...')
    .option('--kill-round <k>', '... when it reaches this round (default 0)')
    .option('--compress <codec>', 'CHOCO-Gossip with compressed differences: fp16, bf16, int8, topk:F')
    .option('--consensus-step <gamma>', 'with --compress: CHOCO\'s consensus step size in (0, 1]')
    .option('--elastic', 'the others go on over a new membership and converge to the average of the live ranks\' values when it starts (docs/elastic.md)');
  commOptions(consensus, DEFAULT_TIMEOUT_S, 'print {"maxDeviation": [...]} only').action(consensusAction);
}
