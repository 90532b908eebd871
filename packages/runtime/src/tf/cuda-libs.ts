/**
 * The CUDA libraries tfjs-node-gpu 4.22 (libtensorflow 2.9.1) loads at run
 * time, found or missing. Without them TensorFlow logs one line and runs on
 * the CPU: the trap of a CUDA 12 host. Looked up as the dynamic loader
 * would: LD_LIBRARY_PATH, the ldconfig cache, then the usual directories.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Sonames libtensorflow 2.9.1's GPU build opens (CUDA 11.2, cuDNN 8.1). */
export const CUDA_LIBRARIES = ['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8'] as const;

export interface CudaLibrary {
  name: string;
  /** Where it was found, or null. */
  path: string | null;
}

export interface CudaLibHost {
  env?: Record<string, string | undefined>;
  exists?: (path: string) => boolean;
  /** `ldconfig -p` output ('' when unavailable). */
  ldconfig?: () => string;
}

const USUAL_DIRS = ['/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'];

function defaultLdconfig(): string {
  for (const bin of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(bin, ['-p'], { timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    } catch {
      // try the next
    }
  }
  return '';
}

export function findCudaLibraries(host: CudaLibHost = {}): CudaLibrary[] {
  const env = host.env ?? process.env;
  const exists = host.exists ?? existsSync;
  const cache = (host.ldconfig ?? defaultLdconfig)();
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== ''), ...USUAL_DIRS];
  return CUDA_LIBRARIES.map((name) => {
    const cached = new RegExp(`^\\s*${name.replace(/\./g, '\\.')} .*=> (\\S+)`, 'm').exec(cache)?.[1];
    if (cached !== undefined) return { name, path: cached };
    const dir = dirs.find((d) => exists(join(d, name)));
    return { name, path: dir === undefined ? null : join(dir, name) };
  });
}

/** "libcudart.so.11.0, libcudnn.so.8" of the missing ones, or '' when all are found. */
export function missingCudaLibraries(libs: readonly CudaLibrary[]): string {
  return libs
    .filter((l) => l.path === null)
    .map((l) => l.name)
    .join(', ');
}
