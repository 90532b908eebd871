import type { Command } from 'commander';
import { DEFAULT_IMAGE, resolveCluster, type ClusterOptionsRaw } from '../cluster.js';
import { k8sManifests, k8sName } from '../k8s.js';
import { nodeIO } from '../node-io.js';
import { addRunOptions } from '../options.js';
import { toYamlDocuments } from '../yaml.js';
import { writeManifest } from './compose.js';

export function registerK8s(program: Command): void {
  const cmd = program
    .command('k8s')
    .description('write Kubernetes manifests: an Indexed Job, a headless Service and a Secret')
    .argument('[script]', 'worker script path inside the image (relative to /app), or use --example NAME')
    .argument('[args...]', 'arguments for the script (write them after --)')
    .option('--gpus <list>', 'one GPU per pod (nvidia.com/gpu: 1); the ids only count the ranks, e.g. 0,1,2,3')
    .option('--image <name>', 'image built from docker/Dockerfile.cpu or .gpu', DEFAULT_IMAGE)
    .option('-o, --output <file>', 'where to write ("-" for stdout)', 'dtrain-k8s.yaml')
    .addHelpText('after', '\nThen: kubectl apply -f dtrain-k8s.yaml; kubectl logs -f job/dtrain-<job-id>');
  addRunOptions(cmd).action((script: string | undefined, args: string[], raw: ClusterOptionsRaw) => {
    const config = resolveCluster(script, args, raw, nodeIO());
    writeManifest(raw.output ?? 'dtrain-k8s.yaml', toYamlDocuments(k8sManifests(config)));
    if (raw.output !== '-') process.stderr.write(`dtrain: wrote ${raw.output} (job ${k8sName(config)}, ${config.nodes} pods)\n`);
  });
}
