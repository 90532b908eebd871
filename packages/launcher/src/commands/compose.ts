import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_IMAGE, resolveCluster, type ClusterOptionsRaw } from '../cluster.js';
import { composeFile, composeRunCommands } from '../compose.js';
import { nodeIO } from '../node-io.js';
import { addRunOptions } from '../options.js';
import { toYaml } from '../yaml.js';

/** Write `text` to `path` (mode 0600: it holds the job secret), or to stdout for "-". */
export function writeManifest(path: string, text: string): void {
  if (path === '-') process.stdout.write(text);
  else writeFileSync(path, text, { mode: 0o600 });
}

const HELP = `
Then (compose v2; with v1 write docker-compose instead of docker compose):
  ${composeRunCommands('docker-compose.yml').join('\n  ')}
\`up\` returns when every rank has exited: a rank that fails makes its peers fail within
--timeout. Do not add --abort-on-container-exit or --exit-code-from: they stop every rank as
soon as the first one exits, even successfully, cutting off ranks still finishing.
The file holds the job secret: it is written with mode 0600.`;

export function registerCompose(program: Command): void {
  const cmd = program
    .command('compose')
    .description('write a compose file with one service per rank (docker compose / docker-compose)')
    .argument('[script]', 'worker script path inside the image (relative to /app), or use --example NAME')
    .argument('[args...]', 'arguments for the script (write them after --)')
    .option('--gpus <list>', 'GPU id per rank, e.g. 0,1,2,3 (a device reservation per service; default: CPU)')
    .option('--image <name>', 'image built from docker/Dockerfile.cpu or .gpu', DEFAULT_IMAGE)
    .option('-o, --output <file>', 'where to write ("-" for stdout)', 'docker-compose.yml')
    .addHelpText('after', HELP);
  addRunOptions(cmd).action((script: string | undefined, args: string[], raw: ClusterOptionsRaw) => {
    const config = resolveCluster(script, args, raw, nodeIO());
    writeManifest(raw.output ?? 'docker-compose.yml', toYaml(composeFile(config)));
    if (raw.output !== '-') {
      const [up, ps] = composeRunCommands(raw.output ?? 'docker-compose.yml');
      process.stderr.write(`dtrain: wrote ${raw.output} (${config.nodes} services, rendezvous rank-0:${config.port}); run it with\n  ${up}\nand see each rank's exit code with\n  ${ps}\n`);
    }
  });
}
