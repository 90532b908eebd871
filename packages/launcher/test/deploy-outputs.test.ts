// What `dtrain compose` and `dtrain k8s` leave behind: the compose file builds
// its image, each rank writes its own rank-<i>.ndjson into the mounted runs
// directory (checked with two real worker processes started with a compose
// service's environment), and the Kubernetes Job keeps DTRAIN_OUT on a volume:
// a PersistentVolumeClaim with --pvc. Generated YAML is read back with the
// yaml library.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { decodeRecordLine, readWorkerEnv } from '@dtrain/runtime/contract';
import { freePort } from '../../../test-utils/index.js';
import { resolveCluster, type ClusterOptionsRaw } from '../src/cluster.js';
import { composeFile } from '../src/compose.js';
import { k8sManifests } from '../src/k8s.js';
import type { ResolveIO } from '../src/resolve.js';
import { toYaml, toYamlDocuments } from '../src/yaml.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages', 'launcher', 'bin', 'dtrain.js');
const LOGISTIC = join(ROOT, 'examples', 'logistic-regression', 'train.mjs');
const root = mkdtempSync(join(tmpdir(), 'dtrain-deploy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const io: ResolveIO = {
  cwd: '/w', now: new Date(0), hostname: 'h', nodeBin: 'node', examplesDir: '/repo/examples',
  isFile: (p) => p === '/repo/examples/mnist/train.mjs', readFile: () => '', listDir: () => ['mnist'],
  detectGpus: () => [], randomHex: (n) => 'ab'.repeat(n),
};
const raw = (over: Partial<ClusterOptionsRaw> = {}): ClusterOptionsRaw => ({
  image: 'dtrain:cpu', algorithm: 'dsgd', topology: 'ring', seed: '0', port: '29600', timeout: '30', jobId: 'job-1', nodes: '2', ...over,
});

interface Service { build?: { context: string; dockerfile: string }; image: string; environment: Record<string, string>; volumes: string[]; command: string[] }
const services = (text: string): Service[] => Object.values((parse(text) as { services: Record<string, Service> }).services);

function dtrain(args: string[], cwd: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('compose', () => {
  it('every service builds the same image from this checkout, the context relative to where the file is', () => {
    const dir = join(root, 'compose', 'deep');
    mkdirSync(dir, { recursive: true });
    const r = dtrain(['compose', '--nodes', '3', '--example', 'mnist', '--job-id', 'b1', '-o', join(dir, 'dc.yml')], root);
    expect(r.status, r.stderr).toBe(0);
    const all = services(readFileSync(join(dir, 'dc.yml'), 'utf8'));
    expect(all).toHaveLength(3);
    for (const s of all) {
      expect(s.image).toBe('dtrain:cpu');
      expect(s.build?.dockerfile).toBe('docker/Dockerfile.cpu');
      expect(existsSync(join(resolve(dir, s.build?.context as string), 'docker', 'Dockerfile.cpu'))).toBe(true);
    }
    const gpu = dtrain(['compose', '--gpus', '0,1', '--example', 'mnist', '-o', join(dir, 'gpu.yml')], root);
    expect(gpu.status, gpu.stderr).toBe(0);
    expect(services(readFileSync(join(dir, 'gpu.yml'), 'utf8')).map((s) => s.build?.dockerfile)).toEqual(['docker/Dockerfile.gpu', 'docker/Dockerfile.gpu']);
    const none = dtrain(['compose', '--nodes', '2', '--example', 'mnist', '--no-build', '-o', join(dir, 'nobuild.yml')], root);
    expect(none.status, none.stderr).toBe(0);
    expect(services(readFileSync(join(dir, 'nobuild.yml'), 'utf8')).every((s) => s.build === undefined)).toBe(true);
  });

  it('an --output in a directory that does not exist is a usage error naming it', () => {
    const r = dtrain(['compose', '--nodes', '2', '--example', 'mnist', '-o', join(root, 'nowhere', 'dc.yml')], root);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nowhere.*does not exist/);
  });

  it('each rank writes its own rank-<i>.ndjson into the mounted runs directory (two real workers with the services\' environment)', async () => {
    const file = toYaml(composeFile(resolveCluster('examples/logistic-regression/train.mjs', [], raw({ jobId: 'logs-1' }), io)));
    const all = services(file);
    for (const s of all) {
      expect(s.volumes).toEqual(['./runs:/app/runs']);
      expect(s.environment.DTRAIN_OUT).toBe('/app/runs/logs-1');
      expect(readWorkerEnv(s.environment).options.logRecords).toBe(true);
    }
    // a records file needs an output directory: the contract says so before anything starts
    const { DTRAIN_OUT: _out, ...noOut } = all[0].environment;
    expect(() => readWorkerEnv(noOut)).toThrow(expect.objectContaining({ code: 'E_WORKER_ENV', message: expect.stringMatching(/DTRAIN_LOG_RECORDS=1 .* DTRAIN_OUT is not set/) }));
    // The host side of the mount: ./runs next to the file, here a temporary directory; rank-0 at 127.0.0.1.
    const out = join(root, 'runs', 'logs-1');
    const port = await freePort();
    const codes = await Promise.all(all.map((s) => new Promise<number | null>((done) => {
      const env = { ...process.env, ...s.environment, DTRAIN_OUT: out, DTRAIN_RENDEZVOUS: `127.0.0.1:${port}`, STEPS: '20' };
      const child = spawn(process.execPath, [LOGISTIC], { env, stdio: 'ignore' });
      child.on('close', done);
    })));
    expect(codes).toEqual([0, 0]);
    for (const rank of [0, 1]) {
      const records = readFileSync(join(out, `rank-${rank}.ndjson`), 'utf8').split('\n').map((l) => decodeRecordLine(l)).filter((r) => r !== null);
      expect(records.filter((r) => r.kind === 'step').map((r) => r.step)).toContain(20);
      expect(records.some((r) => r.kind === 'eval')).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).steps).toBe(20);
  }, 60_000);
});

describe('k8s', () => {
  type Pod = { containers: { env: { name: string; value?: string }[]; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: Record<string, unknown>[] };
  const podOf = (text: string): Pod => (parseAllDocuments(text)[2].toJS() as { spec: { template: { spec: Pod } } }).spec.template.spec;
  const config = resolveCluster('examples/mnist/train.mjs', [], raw({ nodes: '4' }), io);

  it('--pvc NAME mounts the claim where DTRAIN_OUT is, so summary.json and the rank logs outlive the pods', () => {
    const pod = podOf(toYamlDocuments(k8sManifests(config, { pvc: 'dtrain-runs' })));
    expect(pod.volumes).toEqual([{ name: 'runs', persistentVolumeClaim: { claimName: 'dtrain-runs' } }]);
    const [container] = pod.containers;
    expect(container.volumeMounts).toEqual([{ name: 'runs', mountPath: '/app/runs' }]);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(env.DTRAIN_OUT?.startsWith('/app/runs/')).toBe(true);
    expect(env.DTRAIN_LOG_RECORDS).toBe('1');
  });

  it('without --pvc the output is on an emptyDir, and the command says it is lost with the pods', () => {
    expect(podOf(toYamlDocuments(k8sManifests(config))).volumes).toEqual([{ name: 'runs', emptyDir: {} }]);
    const r = dtrain(['k8s', '--nodes', '2', '--example', 'mnist', '-o', join(root, 'k.yaml')], root);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/emptyDir: the output is lost with the pods; give --pvc NAME/);
    const kept = dtrain(['k8s', '--nodes', '2', '--example', 'mnist', '--pvc', 'runs-rwx', '-o', join(root, 'k2.yaml')], root);
    expect(kept.status, kept.stderr).toBe(0);
    expect(podOf(readFileSync(join(root, 'k2.yaml'), 'utf8')).volumes).toEqual([{ name: 'runs', persistentVolumeClaim: { claimName: 'runs-rwx' } }]);
  });

  it('a --pvc that is no claim name exits 2 naming it, before anything is written', () => {
    const r = dtrain(['k8s', '--nodes', '2', '--example', 'mnist', '--pvc', 'Runs_PVC', '-o', join(root, 'k3.yaml')], root);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--pvc "Runs_PVC" is not a PersistentVolumeClaim name/);
    expect(existsSync(join(root, 'k3.yaml'))).toBe(false);
  });
});
