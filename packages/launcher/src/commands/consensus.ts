/**
 * `dtrain consensus`: average consensus between N real processes on this
 * machine, talking over ZeroMQ. Rank i starts from a vector drawn from
 * (seed, i); each round is one neighbour exchange with the schedule's
 * weights (push-sum on column-stochastic schedules). Prints, per round,
 * the largest |x_i - xbar| over every rank and coordinate, where xbar is
 * the exact average of the starting vectors.
 */
import type { Command } from 'commander';
import { createSchedule } from '@dtrain/topology';
import { workerScriptPath } from '@dtrain/runtime/contract';
import { intOption } from '../options.js';
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
  killRank?: string;
  killRound?: string;
  elastic?: boolean;
}

async function consensusAction(flags: ConsensusFlags): Promise<void> {
  const nodes = intOption('--nodes', flags.nodes, 1, 1024);
  const rounds = intOption('--rounds', flags.rounds, 1);
  const length = intOption('--length', flags.length, 1);
  const seed = intOption('--seed', flags.seed, 0);
  const transport = transportOption(flags.transport);
  const timeoutMs = timeoutMsOption(flags.timeout);
  createSchedule(flags.topology, nodes, { seed }); // a bad name or size fails here, with exit code 2
  const killRank = flags.killRank === undefined ? -1 : intOption('--kill-rank', flags.killRank, 0, nodes - 1);
  const killRound = flags.killRound === undefined ? 0 : intOption('--kill-round', flags.killRound, 0, rounds - 1);

  const elastic = flags.elastic === true;
  const params = { topology: flags.topology, rounds, length, seed, transport, timeoutMs, killRank, killRound, elastic };
  const results = await runForResults('consensus', { script: workerScriptPath('consensus'), params, nodes, graceMs: 2 * timeoutMs + 5_000, elastic });
  const worst = new Array<number>(rounds).fill(0);
  results.forEach((r) => {
    numberList(r.maxDeviation, rounds, `rank ${String(r.rank)}'s maxDeviation`).forEach((d, k) => (worst[k] = Math.max(worst[k], d)));
  });
  // Elastic: every survivor reports the memberships it installed, with the target (the live ranks' average then).
  const changes = elastic ? ((results[0]?.changes as { round: number; members: number[] }[] | undefined) ?? []) : [];
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ maxDeviation: worst, ...(elastic ? { ranks: results.map((r) => r.rank), changes: results.map((r) => ({ rank: r.rank, changes: r.changes })), initialAverage: results[0]?.initialAverage } : {}) })}\n`);
    return;
  }
  for (const c of changes) process.stdout.write(`membership from round ${c.round}: ranks ${c.members.join(', ')}; xbar = their average then\n`);
  process.stdout.write(`${flags.topology}, ${nodes} processes, length ${length}, ${transport}\nround  max |x_i - xbar|\n`);
  worst.forEach((d, k) => process.stdout.write(`${String(k + 1).padStart(5)}  ${d.toExponential(3)}\n`));
}

export function registerConsensus(program: Command): void {
  const consensus = program
    .command('consensus')
    .description('average consensus between N local processes over ZeroMQ; prints max |x_i - xbar| per round')
    .requiredOption('--nodes <n>', 'number of processes')
    .requiredOption('--topology <name>', 'topology name (see `dtrain topology list`)')
    .requiredOption('--rounds <k>', 'neighbour exchanges to run')
    .option('--length <l>', 'vector length per rank', '1000')
    .option('--seed <s>', 'seed of the starting vectors and of random topologies', '0')
    .option('--kill-rank <r>', 'fault injection: this rank kills itself (SIGKILL) ...')
    .option('--kill-round <k>', '... when it reaches this round (default 0)')
    .option('--elastic', 'the others go on over a new membership and converge to the average of the live ranks\' values when it starts (docs/elastic.md)');
  commOptions(consensus, 30, 'print {"maxDeviation": [...]} only').action(consensusAction);
}
