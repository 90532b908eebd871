import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackendError,
  decideBackend,
  probeBackends,
  probeCuda,
  selectBackend,
  type BackendChoice,
  type BackendProbe,
} from '@dtrain/runtime';
import { codeOf } from '../../../test-utils/index.js';

const GPU_PKG = '/opt/nm/@tensorflow/tfjs-node-gpu';
const NODE_PKG = '/opt/nm/@tensorflow/tfjs-node';

function probe(p: {
  gpu?: 'none' | 'no-binding' | 'binding';
  node?: 'none' | 'no-binding' | 'binding';
  wasm?: boolean;
  cuda?: boolean;
}): BackendProbe {
  const pkg = (state: 'none' | 'no-binding' | 'binding' | undefined, dir: string) =>
    state === undefined || state === 'none'
      ? { installed: false }
      : state === 'no-binding'
        ? { installed: true, dir }
        : { installed: true, dir, binding: `${dir}/lib/napi-v8/tfjs_binding.node` };
  return {
    nodeGpu: pkg(p.gpu, GPU_PKG),
    node: pkg(p.node, NODE_PKG),
    wasm: p.wasm ? { installed: true, dir: '/opt/nm/@tensorflow/tfjs-backend-wasm' } : { installed: false },
    cuda: p.cuda ? { visible: true, reason: '/dev/nvidia0 present' } : { visible: false, reason: 'no /dev/nvidia0' },
  };
}

describe('backend loading is lazy', () => {
  it('importing the runtime does not load wasm: ops run before any selectBackend', () => {
    expect(Array.from(tf.add(tf.scalar(2), tf.scalar(3)).dataSync())).toEqual([5]);
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('decideBackend (fake probes)', () => {
  it('auto takes tfjs-node-gpu with its binding and a CUDA device', () => {
    const d = decideBackend(probe({ gpu: 'binding', node: 'binding', wasm: true, cuda: true }), 'auto');
    expect(d).toMatchObject({ candidate: 'tfjs-node-gpu', backend: 'tensorflow', module: '@tensorflow/tfjs-node-gpu' });
    expect(d.skipped).toEqual([]);
  });

  it('auto skips the GPU package without CUDA, saying why, and takes tfjs-node', () => {
    const d = decideBackend(probe({ gpu: 'binding', node: 'binding', wasm: true, cuda: false }), 'auto');
    expect(d.candidate).toBe('tfjs-node');
    expect(d.skipped.map((s) => s.candidate)).toEqual(['tfjs-node-gpu']);
    expect(d.skipped[0]?.reason).toMatch(/CUDA/);
  });

  it('a package installed without its native binding is skipped, never loaded', () => {
    const d = decideBackend(probe({ gpu: 'no-binding', node: 'no-binding', wasm: true, cuda: true }), 'auto');
    expect(d.candidate).toBe('wasm');
    expect(d.skipped.map((s) => s.candidate)).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    for (const s of d.skipped) expect(s.reason).toMatch(/tfjs_binding\.node/);
  });

  it('auto falls back to cpu and lists every skipped candidate', () => {
    const d = decideBackend(probe({}), 'auto');
    expect(d).toMatchObject({ candidate: 'cpu', backend: 'cpu', module: '' });
    expect(d.skipped.map((s) => s.candidate)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
  });

  it("'tensorflow' prefers the GPU package with CUDA, else tfjs-node, else the GPU package on CPU", () => {
    expect(decideBackend(probe({ gpu: 'binding', node: 'binding', cuda: true }), 'tensorflow').candidate).toBe('tfjs-node-gpu');
    expect(decideBackend(probe({ gpu: 'binding', node: 'binding', cuda: false }), 'tensorflow').candidate).toBe('tfjs-node');
    const cpuOnly = decideBackend(probe({ gpu: 'binding', cuda: false }), 'tensorflow');
    expect(cpuOnly.candidate).toBe('tfjs-node-gpu');
    expect(cpuOnly.reason).toMatch(/CPU/);
  });

  it('naming an unavailable backend is E_BACKEND_UNAVAILABLE with the install command', () => {
    try {
      decideBackend(probe({ gpu: 'no-binding', wasm: true }), 'tensorflow');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).code).toBe('E_BACKEND_UNAVAILABLE');
      expect((err as Error).message).toMatch(/npm install @tensorflow\/tfjs-node/);
    }
    expect(codeOf(() => decideBackend(probe({}), 'wasm'), BackendError)).toBe('E_BACKEND_UNAVAILABLE');
    expect(codeOf(() => decideBackend(probe({}), 'gpu' as BackendChoice), BackendError)).toBe('E_BACKEND_UNKNOWN');
    expect(decideBackend(probe({}), 'cpu').candidate).toBe('cpu');
  });
});

describe('probes', () => {
  const root = mkdtempSync(join(tmpdir(), 'dtrain-probe-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds lib/*/tfjs_binding.node and tells a binding-less install apart', () => {
    const gpu = join(root, 'tfjs-node-gpu');
    const node = join(root, 'tfjs-node');
    mkdirSync(join(gpu, 'lib', 'napi-v8'), { recursive: true });
    writeFileSync(join(gpu, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
    mkdirSync(join(node, 'lib'), { recursive: true });
    const dirs: Record<string, string> = { '@tensorflow/tfjs-node-gpu': gpu, '@tensorflow/tfjs-node': node };
    const p = probeBackends({
      env: { CUDA_VISIBLE_DEVICES: '0' },
      resolvePackage: (name) => dirs[name],
      nvidiaSmi: () => true,
    });
    expect(p.nodeGpu).toEqual({ installed: true, dir: gpu, binding: join(gpu, 'lib', 'napi-v8', 'tfjs_binding.node') });
    expect(p.node).toEqual({ installed: true, dir: node });
    expect(p.wasm.installed).toBe(false);
    expect(p.cuda.visible).toBe(true);
  });

  it('CUDA_VISIBLE_DEVICES empty or -1 hides the GPU even when a device exists', () => {
    const always = { exists: () => true, nvidiaSmi: () => true };
    expect(probeCuda({ ...always, env: { CUDA_VISIBLE_DEVICES: '-1' } }).visible).toBe(false);
    expect(probeCuda({ ...always, env: { CUDA_VISIBLE_DEVICES: '' } }).visible).toBe(false);
    expect(probeCuda({ ...always, env: {} }).visible).toBe(true);
    expect(probeCuda({ exists: () => false, nvidiaSmi: () => false, env: {} }).visible).toBe(false);
    expect(probeCuda({ exists: () => false, nvidiaSmi: () => true, env: {} }).reason).toMatch(/nvidia-smi/);
  });
});

describe('selectBackend (real)', () => {
  it('wasm: selected, a real op runs, no GPU flag', async () => {
    const logs: string[] = [];
    const r = await selectBackend('wasm', (m) => logs.push(m));
    expect(r.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.isUsingGpuDevice).toBeNull();
    expect(r.convGradient).toBe(true);
    expect(Array.from(tf.mul(tf.tensor1d([1, 2, 3]), 2).dataSync())).toEqual([2, 4, 6]);
    expect(logs.some((l) => l.includes('wasm'))).toBe(true);
  });

  it('cpu: selected after wasm', async () => {
    const r = await selectBackend('cpu');
    expect(r.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('auto agrees with the decision on the real probe; an absent tensorflow backend is a clear error', async () => {
    const p = probeBackends();
    const r = await selectBackend('auto', undefined, { probe: p });
    expect(r.candidate).toBe(decideBackend(p, 'auto').candidate);
    expect(tf.getBackend()).toBe(r.backend);
    const tfAvailable = p.node.binding !== undefined || p.nodeGpu.binding !== undefined;
    if (!tfAvailable) {
      await expect(selectBackend('tensorflow')).rejects.toMatchObject({ code: 'E_BACKEND_UNAVAILABLE' });
    }
  });
});
