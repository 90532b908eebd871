import type { Command } from 'commander';

/** `dtrain topology list|matrix|inspect` (filled in with the topology package). */
export function registerTopology(program: Command): void {
  program.command('topology').description('inspect communication graphs and weight matrices');
}
