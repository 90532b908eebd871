/**
 * A compose file with one service per rank (`rank-0` ... `rank-<N-1>`), the
 * environment contract filled in and rank 0's service as the rendezvous host.
 * Only keys of the Compose Specification that compose v1 (1.28+) also reads:
 * no top-level `version`, GPUs as `deploy.resources.reservations.devices`.
 *
 * How to run it (composeRunCommands): a plain `up`. Not
 * `--abort-on-container-exit`, nor `--exit-code-from` (which implies it, in
 * v1 and v2): both stop every service when the first one exits, also when it
 * exits 0, and ranks finish at slightly different moments, so the others
 * would be stopped while still writing their last lines or summary.json.
 * A failure needs no help from compose: when a rank dies, its peers fail
 * within the job's timeout (E_PEER_LOST) and exit non-zero, so `up` returns
 * once every rank has exited; `ps -a` then shows each rank's exit code. No
 * service has a restart policy, so a failed rank stays down.
 */
import { workerEnvToVars } from '@dtrain/runtime/contract';
import { IMAGE_WORKDIR, type ClusterConfig } from './cluster.js';
import type { YamlValue } from './yaml.js';

export function serviceName(rank: number): string {
  return `rank-${rank}`;
}

/** Compose interpolates `$`; `$$` is a literal dollar. */
function literal(s: string): string {
  return s.replace(/\$/g, '$$$$');
}

/** How compose builds the image: the checkout (relative to the compose file) and its Dockerfile. */
export interface ComposeBuild {
  context: string;
  dockerfile: string;
}

/**
 * With `build`, every service has the same `build:` and `image:`, so `up`
 * builds the image (once; the others are cache hits) when it is missing.
 * Each rank appends its records to runs/<job-id>/rank-<i>.ndjson on the host.
 */
export function composeFile(c: ClusterConfig, build?: ComposeBuild): { [key: string]: YamlValue } {
  const services: { [key: string]: YamlValue } = {};
  for (let rank = 0; rank < c.nodes; rank++) {
    const vars = workerEnvToVars({
      rank,
      localRank: 0,
      worldSize: c.nodes,
      rendezvous: { host: serviceName(0), port: c.port },
      jobId: c.jobId,
      secret: c.secret,
      options: c.options,
    });
    const environment: { [key: string]: YamlValue } = {};
    for (const [k, v] of Object.entries(vars)) environment[k] = literal(v);
    const service: { [key: string]: YamlValue } = {
      ...(build !== undefined ? { build: { context: build.context, dockerfile: build.dockerfile } } : {}),
      image: c.image,
      init: true,
      working_dir: IMAGE_WORKDIR,
      command: ['node', c.script, ...c.scriptArgs].map(literal),
      environment,
      volumes: [`./runs:${IMAGE_WORKDIR}/runs`],
    };
    if (c.gpus !== null) {
      const id = String(c.gpus[rank % c.gpus.length]);
      service.deploy = { resources: { reservations: { devices: [{ driver: 'nvidia', device_ids: [id], capabilities: ['gpu'] }] } } };
    }
    services[serviceName(rank)] = service;
  }
  return { services };
}

/**
 * The commands that run a written compose file and show how each rank
 * ended, for compose v2 (`docker compose`) or v1 (`docker-compose`).
 */
export function composeRunCommands(file: string, compose: 'docker compose' | 'docker-compose' = 'docker compose'): string[] {
  const f = /^[\w./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return [`${compose} -f ${f} up`, `${compose} -f ${f} ps -a`];
}
