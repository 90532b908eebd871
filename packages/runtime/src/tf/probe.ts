/**
 * Which TensorFlow.js backends this host can run: the facts (probeBackends)
 * and the decision made from them (decideBackend, a pure function so every
 * path, GPU included, is testable with a fake probe).
 *
 * Order for 'auto': tfjs-node-gpu (native binding + a visible CUDA device),
 * tfjs-node (native binding), tfjs-backend-wasm, then the pure-JS cpu backend.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BackendError } from '../errors.js';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** A backend as tfjs names it, and the package that provides it. */
export type BackendCandidate = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

export const CANDIDATE_PACKAGE: Record<BackendCandidate, string> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

/** What was found of one npm package. */
export interface PackageProbe {
  installed: boolean;
  /** Package directory when installed. */
  dir?: string;
  /** For tfjs-node(-gpu): path of lib/<napi-vN>/tfjs_binding.node when present. */
  binding?: string;
}

export interface CudaProbe {
  visible: boolean;
  /** How it was decided, e.g. "CUDA_VISIBLE_DEVICES=-1" or "/dev/nvidia0 present". */
  reason: string;
}

export interface BackendProbe {
  nodeGpu: PackageProbe;
  node: PackageProbe;
  wasm: PackageProbe;
  cuda: CudaProbe;
}

export interface SkippedBackend {
  candidate: BackendCandidate;
  reason: string;
}

export interface BackendDecision {
  candidate: BackendCandidate;
  /** The name to pass to tf.setBackend. */
  backend: TfBackendName;
  /** Module to load before setBackend ('' for the built-in cpu backend). */
  module: string;
  /** Why it was chosen. */
  reason: string;
  /** Every candidate ranked above it that was not taken, with the reason. */
  skipped: SkippedBackend[];
}

/** Injectable host facts; the defaults read the real machine. */
export interface ProbeHost {
  env?: Record<string, string | undefined>;
  /** Directory of an installed package, or undefined. */
  resolvePackage?: (name: string) => string | undefined;
  exists?: (path: string) => boolean;
  listDir?: (path: string) => string[];
  /** True when `nvidia-smi -L` lists a GPU. */
  nvidiaSmi?: () => boolean;
}

const require = createRequire(import.meta.url);

function defaultResolve(name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function defaultNvidiaSmi(): boolean {
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return /GPU \d+/.test(out.toString());
  } catch {
    return false;
  }
}

function listDirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function probePackage(name: string, host: Required<ProbeHost>, native: boolean): PackageProbe {
  const dir = host.resolvePackage(name);
  if (dir === undefined) return { installed: false };
  if (!native) return { installed: true, dir };
  const lib = join(dir, 'lib');
  for (const sub of host.listDir(lib)) {
    const file = join(lib, sub, 'tfjs_binding.node');
    if (host.exists(file)) return { installed: true, dir, binding: file };
  }
  return { installed: true, dir };
}

/** Whether a CUDA device is visible to this process. */
export function probeCuda(host: ProbeHost = {}): CudaProbe {
  const env = host.env ?? process.env;
  const exists = host.exists ?? existsSync;
  const cvd = env['CUDA_VISIBLE_DEVICES'];
  if (cvd !== undefined && (cvd.trim() === '' || cvd.trim() === '-1')) {
    return { visible: false, reason: `CUDA_VISIBLE_DEVICES=${JSON.stringify(cvd)} hides every GPU` };
  }
  if (exists('/dev/nvidia0')) return { visible: true, reason: '/dev/nvidia0 present' };
  if ((host.nvidiaSmi ?? defaultNvidiaSmi)()) return { visible: true, reason: 'nvidia-smi lists a GPU' };
  return { visible: false, reason: 'no /dev/nvidia0 and nvidia-smi lists no GPU' };
}

/** Read the facts the backend decision needs. */
export function probeBackends(host: ProbeHost = {}): BackendProbe {
  const full: Required<ProbeHost> = {
    env: host.env ?? process.env,
    resolvePackage: host.resolvePackage ?? defaultResolve,
    exists: host.exists ?? existsSync,
    listDir: host.listDir ?? listDirSafe,
    nvidiaSmi: host.nvidiaSmi ?? defaultNvidiaSmi,
  };
  return {
    nodeGpu: probePackage(CANDIDATE_PACKAGE['tfjs-node-gpu'], full, true),
    node: probePackage(CANDIDATE_PACKAGE['tfjs-node'], full, true),
    wasm: probePackage(CANDIDATE_PACKAGE.wasm, full, false),
    cuda: probeCuda(full),
  };
}

const INSTALL_HINT: Record<BackendCandidate, string> = {
  'tfjs-node-gpu':
    'npm install @tensorflow/tfjs-node-gpu@4.22.0 with install scripts enabled (it downloads libtensorflow; needs CUDA 11.2 + cuDNN 8.1)',
  'tfjs-node': 'npm install @tensorflow/tfjs-node@4.22.0 with install scripts enabled (it downloads libtensorflow)',
  wasm: 'npm install @tensorflow/tfjs-backend-wasm@4.22.0',
  cpu: 'npm install @tensorflow/tfjs@4.22.0',
};

/** Why a candidate cannot run, or undefined when it can. */
function unavailable(candidate: BackendCandidate, probe: BackendProbe, needCuda: boolean): string | undefined {
  const pkg = CANDIDATE_PACKAGE[candidate];
  if (candidate === 'cpu') return undefined;
  if (candidate === 'wasm') return probe.wasm.installed ? undefined : `${pkg} is not installed`;
  const p = candidate === 'tfjs-node-gpu' ? probe.nodeGpu : probe.node;
  if (!p.installed) return `${pkg} is not installed`;
  if (p.binding === undefined) {
    return `${pkg} is installed without its native binding (no lib/*/tfjs_binding.node in ${p.dir ?? '?'}; its install script did not run)`;
  }
  if (needCuda && !probe.cuda.visible) return `no CUDA device visible (${probe.cuda.reason})`;
  return undefined;
}

function decision(candidate: BackendCandidate, reason: string, skipped: SkippedBackend[]): BackendDecision {
  const backend: TfBackendName = candidate === 'wasm' ? 'wasm' : candidate === 'cpu' ? 'cpu' : 'tensorflow';
  const module = candidate === 'cpu' ? '' : CANDIDATE_PACKAGE[candidate];
  return { candidate, backend, module, reason, skipped };
}

/**
 * Pick a backend from probed facts. 'auto' takes the first runnable of
 * tfjs-node-gpu (with CUDA), tfjs-node, wasm, cpu. A named backend that
 * cannot run throws BackendError E_BACKEND_UNAVAILABLE saying how to install it.
 */
export function decideBackend(probe: BackendProbe, choice: BackendChoice): BackendDecision {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new BackendError(
      'E_BACKEND_UNKNOWN',
      `unknown backend ${JSON.stringify(choice)}; use one of ${BACKEND_CHOICES.join(', ')}`,
    );
  }
  const skipped: SkippedBackend[] = [];
  if (choice === 'auto') {
    const order: BackendCandidate[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
    for (const c of order) {
      const why = unavailable(c, probe, c === 'tfjs-node-gpu');
      if (why === undefined) {
        const reason = c === 'tfjs-node-gpu' ? `native binding and CUDA device (${probe.cuda.reason})` : 'first available';
        return decision(c, reason, skipped);
      }
      skipped.push({ candidate: c, reason: why });
    }
  }
  if (choice === 'tensorflow') {
    // The GPU package runs (on CPU) even without CUDA; prefer it only with a device.
    const gpuWhy = unavailable('tfjs-node-gpu', probe, true);
    if (gpuWhy === undefined) return decision('tfjs-node-gpu', `native binding and CUDA device (${probe.cuda.reason})`, skipped);
    const nodeWhy = unavailable('tfjs-node', probe, false);
    if (nodeWhy === undefined) {
      skipped.push({ candidate: 'tfjs-node-gpu', reason: gpuWhy });
      return decision('tfjs-node', 'native binding present', skipped);
    }
    if (unavailable('tfjs-node-gpu', probe, false) === undefined) {
      return decision('tfjs-node-gpu', `native binding present but ${gpuWhy}: TensorFlow will run on the CPU`, skipped);
    }
    throw new BackendError(
      'E_BACKEND_UNAVAILABLE',
      `backend 'tensorflow' is unavailable: ${gpuWhy}; ${nodeWhy}. ` +
        `Install one of them: ${INSTALL_HINT['tfjs-node']}, or ${INSTALL_HINT['tfjs-node-gpu']}; ` +
        `or choose --backend wasm`,
    );
  }
  if (choice === 'wasm') {
    const why = unavailable('wasm', probe, false);
    if (why !== undefined) {
      throw new BackendError('E_BACKEND_UNAVAILABLE', `backend 'wasm' is unavailable: ${why}. Fix: ${INSTALL_HINT.wasm}`);
    }
    return decision('wasm', 'named', skipped);
  }
  return decision('cpu', choice === 'cpu' ? 'named' : 'last resort', skipped);
}
