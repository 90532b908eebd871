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
import { findCudaLibraries, missingCudaLibraries, type CudaLibrary } from './cuda-libs.js';
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
  /** The CUDA libraries, for the message when a GPU backend finds no device (read from the host when absent). */
  cudaLibraries?: () => CudaLibrary[];
}

/**
 * A GPU backend that sees no GPU device fails instead of training on the
 * CPU unnoticed (tfjs-node-gpu on a host without the CUDA 11 libraries it
 * was built for logs one line and falls back to the CPU). Only when a CUDA
 * device is visible: without one, 'tensorflow' on the GPU package is the
 * CPU by choice, and the decision says so.
 */
export function checkGpuDevice(report: Pick<BackendReport, 'candidate' | 'isUsingGpuDevice' | 'probe'>, libs: () => CudaLibrary[]): void {
  if (report.candidate !== 'tfjs-node-gpu' || !report.probe.cuda.visible || report.isUsingGpuDevice !== false) return;
  const missing = missingCudaLibraries(libs());
  throw new BackendError(
    'E_BACKEND_NO_GPU',
    `@tensorflow/tfjs-node-gpu loaded but TensorFlow sees no GPU device although ${report.probe.cuda.reason}` +
      (missing === '' ? '; the CUDA libraries were found, so check the driver (nvidia-smi) and CUDA_VISIBLE_DEVICES' : `; missing: ${missing} (tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1; a CUDA 12 host lacks them)`) +
      '. Install them and put them on LD_LIBRARY_PATH, or run on the CPU with --backend tensorflow and CUDA_VISIBLE_DEVICES=-1 (dtrain doctor lists what is found)',
  );
}

/**
 * tfjs's "looks like you are running TensorFlow.js in Node.js" notice is
 * printed by the cpu backend on its first use, once per process and so once
 * per rank. dtrain reports its own choice of backend and why (and the cpu
 * backend is also used internally on the others), so the notice is dropped.
 */
function silenceNodeNotice(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: unknown } | null;
  if (cpu !== null && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}

/** Ranks other than 0 load TensorFlow with its informational start-up lines off, unless the user chose a level. */
function quietNativeLogs(env: NodeJS.ProcessEnv): void {
  const rank = env.DTRAIN_RANK ?? env.RANK ?? env.SLURM_PROCID ?? env.JOB_COMPLETION_INDEX;
  if (env.TF_CPP_MIN_LOG_LEVEL === undefined && rank !== undefined && rank.trim() !== '0') env.TF_CPP_MIN_LOG_LEVEL = '2';
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
  if (d.backend === 'tensorflow') quietNativeLogs(process.env);
  await loadModule(d.candidate, d.module);
  silenceNodeNotice();
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
  checkGpuDevice(report, options.cudaLibraries ?? (() => findCudaLibraries()));
  log?.(
    `backend ${d.backend} (${d.candidate}): ${d.reason}` +
      (report.isUsingGpuDevice === null ? '' : `; GPU device in use: ${report.isUsingGpuDevice}`),
  );
  return report;
}
