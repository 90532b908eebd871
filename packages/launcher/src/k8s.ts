/**
 * Kubernetes manifests: a Secret holding DTRAIN_SECRET, a headless Service
 * (DNS for every pod, published before readiness) and an Indexed Job whose
 * pods run `dtrain worker`, which reads the rank from JOB_COMPLETION_INDEX.
 * Pod i is reachable as <name>-i.<name>; rank 0's is the rendezvous.
 * DTRAIN_OUT (runs/<job-id>) sits on a volume: a PersistentVolumeClaim given
 * by name keeps summary.json and every rank's rank-<i>.ndjson after the pods
 * are gone (ReadWriteMany when the pods land on several nodes).
 */
import { workerEnvToVars } from '@dtrain/runtime/contract';
import { IMAGE_WORKDIR, type ClusterConfig } from './cluster.js';
import { UsageError } from './errors.js';
import type { YamlValue } from './yaml.js';

/** Set per pod by the Job controller (JOB_COMPLETION_INDEX) or from the Secret, so not written as values. */
const PER_POD = new Set(['DTRAIN_RANK', 'DTRAIN_LOCAL_RANK', 'DTRAIN_SECRET']);

export function k8sName(c: ClusterConfig): string {
  return `dtrain-${c.jobId}`;
}

/** Kubernetes names a PersistentVolumeClaim with a DNS subdomain (RFC 1123). */
export function checkPvcName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
    throw new UsageError(`--pvc ${JSON.stringify(name)} is not a PersistentVolumeClaim name (lowercase letters, digits, '-' and '.', at most 253); write e.g. --pvc dtrain-runs`);
  }
  return name;
}

/** Where the pods' output directory lives: a PersistentVolumeClaim (outlives the pods) or, without one, an emptyDir (does not). */
export interface K8sStorage {
  pvc?: string;
}

/** Mount point of the runs volume: DTRAIN_OUT is runs/<job-id> below it. */
export const RUNS_MOUNT = `${IMAGE_WORKDIR}/runs`;

export function k8sManifests(c: ClusterConfig, storage: K8sStorage = {}): YamlValue[] {
  const name = k8sName(c);
  const secretName = `${name}-secret`;
  const vars = workerEnvToVars({
    rank: 0,
    localRank: 0,
    worldSize: c.nodes,
    rendezvous: { host: `${name}-0.${name}`, port: c.port },
    jobId: c.jobId,
    secret: c.secret,
    options: c.options,
  });
  const env: YamlValue[] = Object.entries(vars)
    .filter(([k]) => !PER_POD.has(k))
    .map(([k, v]) => ({ name: k, value: v }));
  env.push({ name: 'DTRAIN_SECRET', valueFrom: { secretKeyRef: { name: secretName, key: 'DTRAIN_SECRET' } } });
  const labels = { app: 'dtrain', 'dtrain/job': c.jobId };
  const container: { [key: string]: YamlValue } = {
    name: 'worker',
    image: c.image,
    workingDir: IMAGE_WORKDIR,
    command: ['node', `${IMAGE_WORKDIR}/packages/launcher/bin/dtrain.js`, 'worker', c.script, ...(c.scriptArgs.length > 0 ? ['--', ...c.scriptArgs] : [])],
    env,
    ports: [{ name: 'rendezvous', containerPort: c.port }],
    volumeMounts: [{ name: 'runs', mountPath: RUNS_MOUNT }],
  };
  const runsVolume: YamlValue = storage.pvc !== undefined ? { name: 'runs', persistentVolumeClaim: { claimName: storage.pvc } } : { name: 'runs', emptyDir: {} };
  if (c.gpus !== null) container.resources = { limits: { 'nvidia.com/gpu': 1 } };
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, labels },
    type: 'Opaque',
    stringData: { DTRAIN_SECRET: c.secret },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: labels,
      ports: [{ name: 'rendezvous', port: c.port }],
    },
  };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels },
    spec: {
      completionMode: 'Indexed',
      completions: c.nodes,
      parallelism: c.nodes,
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: { subdomain: name, restartPolicy: 'Never', containers: [container], volumes: [runsVolume] },
      },
    },
  };
  return [secret, service, job];
}
