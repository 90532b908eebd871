/** `dtrain doctor [--json]`: which backends this host can run, the native library, CUDA and GPUs (native/doctor.ts). */
import type { Command } from 'commander';
import { doctorReport, formatDoctor, gatherFacts } from '../native/doctor.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('report Node, each TensorFlow.js backend and why it can or cannot run, libtensorflow, CUDA libraries and GPUs')
    .option('--json', 'print the report as JSON')
    .action((flags: { json?: boolean }) => {
      const report = doctorReport(gatherFacts());
      process.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report));
    });
}
