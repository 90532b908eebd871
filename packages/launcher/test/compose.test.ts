import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { readWorkerEnv } from '@dtrain/runtime';
import { resolveCluster, type ClusterConfig, type ClusterOptionsRaw } from '../src/cluster.js';
import { composeFile, composeRunCommands } from '../src/compose.js';
import { UsageError } from '../src/errors.js';
import { k8sManifests } from '../src/k8s.js';
import type { ResolveIO } from '../src/resolve.js';
import { toYaml, toYamlDocuments, type YamlValue } from '../src/yaml.js';

const io: ResolveIO = {
  cwd: '/w', now: new Date(0), hostname: 'h', nodeBin: 'node', examplesDir: '/repo/examples',
  isFile: (p) => p === '/repo/examples/mnist/train.mjs', readFile: () => '', listDir: () => ['mnist'],
  detectGpus: () => [], randomHex: (n) => 'cd'.repeat(n),
};
const raw = (over: Partial<ClusterOptionsRaw> = {}): ClusterOptionsRaw => ({
  image: 'dtrain:cpu', algorithm: 'dsgd', topology: 'ring', seed: '1', port: '29600', timeout: '30', jobId: 'mnist-1', ...over,
});

const hasPyYaml = spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;
/** Parse with the yaml library and, when present, PyYAML too (an independent reader that must agree). */
function parseBack(text: string, docs = false): unknown {
  const mine = docs ? parseAllDocuments(text).map((d) => d.toJS() as unknown) : parse(text);
  if (hasPyYaml) {
    const prog = `import sys, json, yaml\nd = list(yaml.safe_load_all(sys.stdin))\nprint(json.dumps(d if ${docs ? 'True' : 'False'} else d[0]))`;
    expect(JSON.parse(execFileSync('python3', ['-c', prog], { input: text, encoding: 'utf8' }))).toEqual(mine);
  }
  return mine;
}

describe('yaml writer', () => {
  it('reads back to the same value, tricky strings included', () => {
    const value: YamlValue = {
      a: 'yes', b: '0', c: 'x: y # z', 'd e': ['- not a list', '', 'multi\nline', { k: [1, 2.5, true, null], l: {} }, []],
      f: [[1, 2], { g: '"quoted"', h: 'tab\there' }], 'nvidia.com/gpu': 1, empty: [],
    };
    expect(parseBack(toYaml(value))).toEqual(value);
  });
});

describe('compose', () => {
  it('one service per rank, the contract filled in, rank-0 as rendezvous', () => {
    const c = resolveCluster('examples/mnist/train.mjs', ['--epochs', '2'], raw({ nodes: '3' }), io);
    const file = parseBack(toYaml(composeFile(c))) as { services: Record<string, { environment: Record<string, string>; command: string[] }> };
    expect(Object.keys(file.services)).toEqual(['rank-0', 'rank-1', 'rank-2']);
    Object.values(file.services).forEach((svc, rank) => {
      expect(svc.command).toEqual(['node', '/app/examples/mnist/train.mjs', '--epochs', '2']);
      expect(readWorkerEnv(svc.environment)).toMatchObject({
        rank, worldSize: 3, jobId: 'mnist-1', rendezvous: { host: 'rank-0', port: 29600 }, options: { seed: 1, timeoutMs: 30000, out: '/app/runs/mnist-1' },
      });
    });
    expect(file).not.toHaveProperty('version');
  });

  it('--heartbeat, --elastic and --min-nodes reach every service and pod (the contract reads them back); --min-nodes alone is refused', () => {
    const c = resolveCluster('examples/mnist/train.mjs', [], raw({ nodes: '3', elastic: true, minNodes: '2', heartbeat: '3' }), io);
    const file = parseBack(toYaml(composeFile(c))) as { services: Record<string, { environment: Record<string, string> }> };
    for (const svc of Object.values(file.services)) {
      expect(readWorkerEnv(svc.environment).options).toMatchObject({ elastic: true, minNodes: 2, heartbeatMs: 3000 });
    }
    const docs = parseBack(toYamlDocuments(k8sManifests(c)), true) as { kind: string; spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } }[];
    const env = docs.find((d) => d.kind === 'Job')?.spec?.template?.spec?.containers?.[0]?.env ?? [];
    expect(env).toEqual(expect.arrayContaining([{ name: 'DTRAIN_ELASTIC', value: '1' }, { name: 'DTRAIN_MIN_NODES', value: '2' }, { name: 'DTRAIN_HEARTBEAT_MS', value: '3000' }]));
    const plain = parseBack(toYaml(composeFile(resolveCluster('x.mjs', [], raw({ nodes: '2' }), io)))) as { services: Record<string, { environment: Record<string, string> }> };
    expect(readWorkerEnv(plain.services['rank-0']!.environment).options.heartbeatMs).toBe(2000);
    expect(() => resolveCluster('x.mjs', [], raw({ nodes: '3', minNodes: '2' }), io)).toThrow(UsageError);
  });

  it('--gpus reserves one device per service', () => {
    const c = resolveCluster(undefined, [], raw({ gpus: '2,3', example: 'mnist' }), io);
    const file = parseBack(toYaml(composeFile(c))) as { services: Record<string, { deploy: { resources: { reservations: { devices: { device_ids: string[] }[] } } } }> };
    expect(Object.values(file.services).map((s) => s.deploy.resources.reservations.devices[0].device_ids)).toEqual([['2'], ['3']]);
  });

  it('escapes $ so compose does not interpolate script arguments', () => {
    const c = resolveCluster('t.mjs', ['$HOME'], raw({ nodes: '1' }), io);
    expect((composeFile(c).services as Record<string, { command: string[] }>)['rank-0'].command[2]).toBe('$$HOME');
  });

  it.each([
    [raw(), /--nodes is required/],
    [raw({ nodes: '3', gpus: '0,1' }), /--nodes 3 does not match --gpus 0,1/],
    [raw({ nodes: '2', jobId: 'Bad_Name' }), /--job-id "Bad_Name"/],
  ])('usage errors name the value (%#)', (options, message) => {
    expect(() => resolveCluster('t.mjs', [], options, io)).toThrow(UsageError);
    expect(() => resolveCluster('t.mjs', [], options, io)).toThrow(message);
  });

  it('no service restarts: a failed rank stays down, so its peers fail within the timeout', () => {
    const c = resolveCluster('t.mjs', [], raw({ nodes: '3' }), io);
    for (const svc of Object.values(composeFile(c).services as Record<string, Record<string, unknown>>)) {
      expect(svc.restart === undefined || svc.restart === 'no').toBe(true);
    }
  });

  it.each(['docker compose', 'docker-compose'] as const)('the run commands (%s) wait for every rank and list stopped ones', (compose) => {
    const [up, ps] = composeRunCommands('out/dc.yml', compose);
    const words = (cmd: string): string[] => cmd.split(' ');
    // Both flags stop every service at the first exit, a successful one included (v1 and v2).
    for (const flag of ['--abort-on-container-exit', '--exit-code-from']) expect(words(up)).not.toContain(flag);
    expect(words(up).slice(-3)).toEqual(['-f', 'out/dc.yml', 'up']);
    // v2's ps hides exited containers without -a; v1 accepts -a too.
    expect(words(ps).slice(-4)).toEqual(['-f', 'out/dc.yml', 'ps', '-a']);
    expect(up.startsWith(`${compose} `) && ps.startsWith(`${compose} `)).toBe(true);
  });

  it('the run commands quote a file name the shell would split', () => {
    const name = "my runs/it's.yml";
    const [up] = composeRunCommands(name);
    const argv = execFileSync('sh', ['-c', `set -- ${up}; printf '%s\\n' "$@"`], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(argv).toEqual(['docker', 'compose', '-f', name, 'up']);
  });

  it('docker-compose config -q accepts the file', (ctx) => {
    if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status !== 0) {
      ctx.skip('docker-compose is not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'dtrain-compose-'));
    try {
      const path = join(dir, 'docker-compose.yml');
      writeFileSync(path, toYaml(composeFile(resolveCluster('t.mjs', [], raw({ gpus: '0,1' }), io))));
      const r = spawnSync('docker-compose', ['-f', path, 'config', '-q'], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--secure', () => {
  const envOf = (c: ClusterConfig): Record<string, string>[] => {
    const file = toYaml(composeFile(c));
    const services = (parseBack(file) as { services: Record<string, { environment: Record<string, string> }> }).services;
    return Object.values(services).map((s) => s.environment);
  };

  it('reaches every compose service and k8s pod as DTRAIN_SECURE (default mac)', () => {
    expect(envOf(resolveCluster(undefined, [], raw({ nodes: '2', example: 'mnist' }), io)).map((e) => e.DTRAIN_SECURE)).toEqual(['mac', 'mac']);
    const curve = resolveCluster(undefined, [], raw({ nodes: '2', example: 'mnist', secure: 'curve' }), io);
    expect(envOf(curve).map((e) => readWorkerEnv(e).options.secure)).toEqual(['curve', 'curve']);
    type Job = { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
    const [, , job] = parseBack(toYamlDocuments(k8sManifests(curve)), true) as Job[];
    const env = job.spec.template.spec.containers[0].env;
    expect(env.find((e) => e.name === 'DTRAIN_SECURE')?.value).toBe('curve');
  });
});

describe('k8s', () => {
  const c: ClusterConfig = resolveCluster('examples/mnist/train.mjs', [], raw({ nodes: '4', gpus: undefined }), io);

  it('Secret, headless Service and an Indexed Job of N pods', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML tree, walked by the assertions
    const [secret, service, job] = parseBack(toYamlDocuments(k8sManifests(c)), true) as Record<string, any>[];
    expect([secret.kind, service.kind, job.kind]).toEqual(['Secret', 'Service', 'Job']);
    expect(service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
    expect(job.spec.template.spec.subdomain).toBe(service.metadata.name);
    expect(service.spec.selector).toEqual(job.spec.template.metadata.labels);
  });

  it('each pod reads its rank from JOB_COMPLETION_INDEX and the secret from the Secret', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML tree, walked by the assertions
    const [secret, , job] = parseBack(toYamlDocuments(k8sManifests(c)), true) as Record<string, any>[];
    const container = job.spec.template.spec.containers[0];
    expect(container.command.slice(2, 4)).toEqual(['worker', '/app/examples/mnist/train.mjs']);
    const env: Record<string, string> = {};
    for (const e of container.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[]) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.secretKeyRef.name === secret.metadata.name) env[e.name] = secret.stringData[e.valueFrom.secretKeyRef.key];
    }
    expect(env).not.toHaveProperty('DTRAIN_RANK');
    for (let index = 0; index < 4; index++) {
      expect(readWorkerEnv({ ...env, JOB_COMPLETION_INDEX: String(index) })).toMatchObject({
        source: 'k8s', rank: index, worldSize: 4, rendezvous: { host: 'dtrain-mnist-1-0.dtrain-mnist-1', port: 29600 },
      });
    }
  });
});
