/**
 * A compose file with one service per rank (`rank-0` ... `rank-<N-1>`), the
 * environment contract filled in and rank 0's service as the rendezvous host.
 * Only keys of the Compose Specification that compose v1 (1.28+) also reads:
 * no top-level `version`, GPUs as `deploy.resources.reservations.devices`.
 */
import { workerEnvToVars } from '@dtrain/runtime';
import { IMAGE_WORKDIR, type ClusterConfig } from './cluster.js';
import type { YamlValue } from './yaml.js';

export function serviceName(rank: number): string {
  return `rank-${rank}`;
}

/** Compose interpolates `$`; `$$` is a literal dollar. */
function literal(s: string): string {
  return s.replace(/\$/g, '$$$$');
}

export function composeFile(c: ClusterConfig): { [key: string]: YamlValue } {
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
