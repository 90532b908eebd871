import type { Command } from 'commander';
import { DEFAULT_IMAGE, resolveCluster, type ClusterOptionsRaw } from '../cluster.js';
import { checkPvcName, k8sManifests, k8sName } from '../k8s.js';
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
    .option('--pvc <name>', 'PersistentVolumeClaim mounted at /app/runs, so the output outlives the pods (default: an emptyDir, lost with them)')
    .addHelpText('after', '\nThen: kubectl apply -f dtrain-k8s.yaml; kubectl logs -f job/dtrain-<job-id>\nWith --pvc NAME, summary.json and rank-<i>.ndjson stay in NAME under runs/<job-id>.');
  addRunOptions(cmd).action((script: string | undefined, args: string[], raw: ClusterOptionsRaw & { pvc?: string }) => {
    const pvc = raw.pvc === undefined ? undefined : checkPvcName(raw.pvc);
    const config = resolveCluster(script, args, raw, nodeIO());
    writeManifest(raw.output ?? 'dtrain-k8s.yaml', toYamlDocuments(k8sManifests(config, pvc === undefined ? {} : { pvc })));
    if (raw.output !== '-') {
      const where = pvc === undefined ? 'an emptyDir: the output is lost with the pods; give --pvc NAME to keep it' : `PersistentVolumeClaim ${pvc}, under runs/${config.jobId}`;
      process.stderr.write(`dtrain: wrote ${raw.output} (job ${k8sName(config)}, ${config.nodes} pods; output on ${where})\n`);
    }
  });
}
