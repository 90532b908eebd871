import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_IMAGE, resolveCluster, type ClusterOptionsRaw } from '../cluster.js';
import { composeFile, composeRunCommands, type ComposeBuild } from '../compose.js';
import { UsageError } from '../errors.js';
import { checkoutRoot, nodeIO } from '../node-io.js';
import { addRunOptions } from '../options.js';
import { toYaml } from '../yaml.js';

/** Write `text` to `path` (mode 0600: it holds the job secret), or to stdout for "-". */
export function writeManifest(path: string, text: string): void {
  if (path === '-') {
    process.stdout.write(text);
    return;
  }
  if (!existsSync(dirname(resolve(path)))) throw new UsageError(`--output ${path}: the directory ${dirname(resolve(path))} does not exist; create it or write elsewhere`);
  writeFileSync(path, text, { mode: 0o600 });
}

/** The build: entry for a file written to `output`: this checkout as the context, when there is one with the Dockerfile. */
function composeBuild(output: string, gpu: boolean): ComposeBuild | undefined {
  const root = checkoutRoot();
  const dockerfile = `docker/Dockerfile.${gpu ? 'gpu' : 'cpu'}`;
  if (root === null || !existsSync(join(root, dockerfile))) return undefined;
  const from = output === '-' ? process.cwd() : dirname(resolve(output));
  return { context: relative(from, root) || '.', dockerfile };
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
    .option('--no-build', 'no build: entry (the image is built or pulled beforehand)')
    .addHelpText('after', HELP);
  addRunOptions(cmd).action((script: string | undefined, args: string[], raw: ClusterOptionsRaw & { build: boolean }) => {
    const config = resolveCluster(script, args, raw, nodeIO());
    const output = raw.output ?? 'docker-compose.yml';
    const build = raw.build ? composeBuild(output, config.gpus !== null) : undefined;
    writeManifest(output, toYaml(composeFile(config, build)));
    if (output !== '-') {
      const [up, ps] = composeRunCommands(output);
      const image = build !== undefined ? `up builds ${config.image} from ${build.dockerfile} when it is missing` : `build ${config.image} first (docker/README.md)`;
      process.stderr.write(`dtrain: wrote ${output} (${config.nodes} services, rendezvous rank-0:${config.port}; ${image}); run it with\n  ${up}\nand see each rank's exit code with\n  ${ps}\nEach rank writes runs/${config.jobId}/rank-<i>.ndjson next to the file; rank 0 also summary.json.\n`);
    }
  });
}
