import { Command, CommanderError } from 'commander';
import { UsageError } from './errors.js';
import { registerTopology } from './commands/topology.js';
import { registerConsensus } from './commands/consensus.js';
import { registerBench } from './commands/bench.js';
import { registerLaunch } from './commands/launch.js';
import { registerWorker } from './commands/worker.js';
import { registerCompose } from './commands/compose.js';
import { registerK8s } from './commands/k8s.js';
import { registerCompare } from './commands/compare.js';
import { registerSimulate } from './commands/simulate.js';
import { registerSetup } from './commands/setup.js';
import { registerDoctor } from './commands/doctor.js';

/** Exit code for command-line misuse (bad option, bad value, missing file). */
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('dtrain')
    .description('Decentralized training for TensorFlow.js: gossip SGD between real processes')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTopology(program);
  registerConsensus(program);
  registerBench(program);
  registerLaunch(program);
  registerWorker(program);
  registerCompose(program);
  registerK8s(program);
  registerCompare(program);
  registerSimulate(program);
  registerSetup(program);
  registerDoctor(program);
  return program;
}

/** Turn any error into a message on stderr and an exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code === 'commander.help') return 0;
    return EXIT_USAGE;
  }
  if (err instanceof UsageError) return EXIT_USAGE;
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('E_TOPOLOGY')) {
    return EXIT_USAGE;
  }
  return 1;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const code = exitCodeFor(err);
    if (!(err instanceof CommanderError)) {
      process.stderr.write(`dtrain: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exitCode = code;
  }
}
