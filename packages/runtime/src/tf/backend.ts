/**
 * Choose, load and check a TensorFlow.js backend.
 *
 * Modules are loaded only once chosen: tfjs-backend-wasm takes priority as
 * soon as it is imported (any op before `await tf.setBackend()` throws), and
 * a tfjs-node package without its binding throws after registering kernels,
 * so the binding file is checked (probe.ts) before the package is required.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../errors.js';
import { convGradientActive, installConvGradient } from './conv-grad.js';
import {
  decideBackend,
  probeBackends,
  type BackendCandidate,
  type BackendChoice,
  type BackendProbe,
  type SkippedBackend,
  type TfBackendName,
} from './probe.js';

export interface BackendReport {
  choice: BackendChoice;
  candidate: BackendCandidate;
  /** tf.getBackend() after selection. */
  backend: TfBackendName;
  /** Why it was chosen. */
  reason: string;
  /** Candidates ranked above it that were not taken, with the reason. */
  skipped: SkippedBackend[];
  /** tf.backend().isUsingGpuDevice where the backend reports it, else null. */
  isUsingGpuDevice: boolean | null;
  /** Whether the conv2d filter gradient replacement is used on this backend (conv-grad.ts). */
  convGradient: boolean;
  probe: BackendProbe;
}

export interface SelectBackendOptions {
  /** Probed facts; read from the host when absent. */
  probe?: BackendProbe;
  /** Install the conv2d filter gradient that wasm needs, for cpu and wasm (default true; once installed it stays). */
  convGradient?: boolean;
}

const require = createRequire(import.meta.url);

async function loadModule(candidate: BackendCandidate, module: string): Promise<void> {
  if (candidate === 'cpu') return;
  try {
    if (candidate === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    else require(module);
  } catch (err) {
    throw new BackendError(
      'E_BACKEND_INIT',
      `loading ${module} failed: ${(err as Error).message}. Reinstall it, or choose another backend (--backend cpu)`,
      { cause: err },
    );
  }
}

/** Run one small op and compare with its known result. */
async function smokeTest(name: string): Promise<void> {
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2])));
  const got = await product.data();
  product.dispose();
  const want = [1, 2, 3, 4];
  if (got.length !== 4 || want.some((v, i) => got[i] !== v)) {
    throw new BackendError(
      'E_BACKEND_INIT',
      `backend '${name}' computed a 2x2 identity product as [${Array.from(got).join(', ')}], expected [1, 2, 3, 4]; choose another backend`,
    );
  }
}

/**
 * Select a backend: 'auto' takes the best available; a named one that is not
 * installed throws BackendError E_BACKEND_UNAVAILABLE with the install command.
 */
export async function selectBackend(
  choice: BackendChoice,
  log?: (msg: string) => void,
  options: SelectBackendOptions = {},
): Promise<BackendReport> {
  const probe = options.probe ?? probeBackends();
  const d = decideBackend(probe, choice);
  for (const s of d.skipped) log?.(`backend ${s.candidate} skipped: ${s.reason}`);
  await loadModule(d.candidate, d.module);
  let ok: boolean;
  try {
    ok = await tf.setBackend(d.backend);
  } catch (err) {
    throw new BackendError('E_BACKEND_INIT', `tf.setBackend('${d.backend}') threw: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!ok || tf.getBackend() !== d.backend) {
    throw new BackendError(
      'E_BACKEND_INIT',
      `tf.setBackend('${d.backend}') failed (active backend: ${String(tf.getBackend())}); reinstall ${d.module || '@tensorflow/tfjs'} or choose another backend`,
    );
  }
  await tf.ready();
  await smokeTest(d.backend);
  if (options.convGradient ?? true) installConvGradient();
  const convGradient = convGradientActive(d.backend);
  const gpuFlag = (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice;
  const report: BackendReport = {
    choice,
    candidate: d.candidate,
    backend: d.backend,
    reason: d.reason,
    skipped: d.skipped,
    isUsingGpuDevice: typeof gpuFlag === 'boolean' ? gpuFlag : null,
    convGradient,
    probe,
  };
  log?.(
    `backend ${d.backend} (${d.candidate}): ${d.reason}` +
      (report.isUsingGpuDevice === null ? '' : `; GPU device in use: ${report.isUsingGpuDevice}`),
  );
  return report;
}
