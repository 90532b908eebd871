// The three packages as npm would publish them: each carries its license,
// repository and description, and a launcher installed from its tarball
// (with the other two, into an empty directory, no checkout around it) runs
// `npx dtrain launch --example mnist` from the examples it ships.
// Optional dependencies are left out of the install (tfjs-node would try to
// download libtensorflow); the job runs on the wasm backend. About 15 s with a warm npm cache
// (CI runs npm install first); up to two minutes on a heavily loaded machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-utils/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = ['topology', 'runtime', 'launcher'];
const root = mkdtempSync(join(tmpdir(), 'dtrain-pack-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('package metadata', () => {
  it('every package has the MIT license (a LICENSE file and the field), a repository and a description', () => {
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    for (const name of PACKAGES) {
      const dir = join(ROOT, 'packages', name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(pkg.license, name).toBe('MIT');
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), name).toBe(license);
      expect(pkg.repository, name).toMatchObject({ type: 'git', directory: `packages/${name}` });
      expect(String(pkg.description).length, name).toBeGreaterThan(20);
      expect(pkg.files, name).toEqual(expect.arrayContaining(['dist', 'LICENSE', 'README.md']));
    }
  });
});

describe('npm pack, then install the tarballs into an empty directory', () => {
  it('the installed launcher finds its shipped examples and runs a 2-rank mnist job', async () => {
    const packs = join(root, 'tarballs');
    mkdirSync(packs);
    const packed = await run('npm', ['pack', ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`]), '--pack-destination', packs], ROOT);
    expect(packed.code, packed.out).toBe(0);
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz')).sort();
    expect(tarballs).toEqual(['dtrain-launcher-0.1.0.tgz', 'dtrain-runtime-0.1.0.tgz', 'dtrain-topology-0.1.0.tgz']);
    // packing leaves no copy of the examples in the checkout
    expect(existsSync(join(ROOT, 'packages', 'launcher', 'examples'))).toBe(false);
    const app = join(root, 'app');
    const listing = await run('tar', ['tzf', join(packs, 'dtrain-launcher-0.1.0.tgz')], root);
    expect(listing.out.split('\n')).toEqual(expect.arrayContaining(['package/LICENSE', 'package/examples/mnist/train.mjs', 'package/bin/dtrain.js', 'package/dist/cli.js']));

    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', private: true, type: 'module' })}\n`);
    const installed = await run('npm', ['install', '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs.map((t) => join(packs, t))], app);
    expect(installed.code, installed.out).toBe(0);
    const job = await run('npx', ['dtrain', 'launch', '--nodes', '2', '--example', 'mnist', '--backend', 'wasm', '--port', String(await freePort()), '--out', 'runs/mnist'], app, { STEPS: '10', EVAL_SAMPLES: '200' });
    expect(job.code, job.out).toBe(0);
    const summary = JSON.parse(readFileSync(join(app, 'runs', 'mnist', 'summary.json'), 'utf8')) as { steps: number; nodes: number; finalAccuracy: number };
    expect(summary.steps).toBe(10);
    expect(summary.nodes).toBe(2);
    expect(summary.finalAccuracy).toBeGreaterThan(0.2);
    const plan = readFileSync(join(app, 'runs', 'mnist', 'plan.json'), 'utf8');
    expect(plan).toContain(join(app, 'node_modules', '@dtrain', 'launcher', 'examples', 'mnist', 'train.mjs'));
  }, 300_000);
});
