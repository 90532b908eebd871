/**
 * `dtrain doctor`: what this host can run, and why not. A pure report built
 * from probed facts (doctorReport), so every path, GPU hosts included, is
 * testable with fakes; gatherFacts reads the real machine.
 */
import { arch, platform } from 'node:os';
import {
  CANDIDATE_PACKAGE,
  decideBackend,
  findCudaLibraries,
  probeBackends,
  type BackendCandidate,
  type BackendProbe,
  type CudaLibrary,
} from '@dtrain/runtime/contract';
import { detectGpus } from '../gpus.js';
import { verifyBinding } from './build.js';

export interface DoctorFacts {
  node: string;
  platform: string;
  probe: BackendProbe;
  /** TensorFlow version the native binding reports, or why it could not be read; null without a binding. */
  libtensorflow: { version: string | null; error: string | null } | null;
  cuda: CudaLibrary[];
  gpus: number[];
}

export interface BackendRow {
  candidate: BackendCandidate;
  package: string;
  usable: boolean;
  why: string;
}

export interface DoctorReport {
  node: string;
  platform: string;
  backends: BackendRow[];
  libtensorflow: DoctorFacts['libtensorflow'];
  cudaLibraries: CudaLibrary[];
  gpus: number[];
  /** What --backend auto picks for each local rank (one entry per GPU, or one for a CPU host). */
  auto: { localRank: number; cudaVisibleDevices: string | null; backend: BackendCandidate; reason: string }[];
}

function row(candidate: BackendCandidate, probe: BackendProbe): BackendRow {
  const pkg = CANDIDATE_PACKAGE[candidate];
  if (candidate === 'cpu') return { candidate, package: pkg, usable: true, why: 'built into @tensorflow/tfjs (pure JavaScript, slowest)' };
  if (candidate === 'wasm') {
    return probe.wasm.installed ? { candidate, package: pkg, usable: true, why: 'installed (single-threaded in Node)' } : { candidate, package: pkg, usable: false, why: `${pkg} is not installed` };
  }
  const p = candidate === 'tfjs-node-gpu' ? probe.nodeGpu : probe.node;
  if (!p.installed) {
    const fix = candidate === 'tfjs-node' ? 'npx dtrain setup tensorflow (online) or --from-pip / --wheel FILE (offline)' : 'npx dtrain setup tensorflow --gpu';
    return { candidate, package: pkg, usable: false, why: `not installed; ${fix}` };
  }
  if (p.binding === undefined) return { candidate, package: pkg, usable: false, why: `installed without its native binding; run npx dtrain setup tensorflow${candidate === 'tfjs-node-gpu' ? ' --gpu' : ''}` };
  if (candidate === 'tfjs-node-gpu' && !probe.cuda.visible) return { candidate, package: pkg, usable: true, why: `binding present, but ${probe.cuda.reason}: it would run on the CPU` };
  return { candidate, package: pkg, usable: true, why: `native binding ${p.binding}` };
}

export function doctorReport(f: DoctorFacts): DoctorReport {
  const backends = (['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const).map((c) => row(c, f.probe));
  const auto: DoctorReport['auto'] = [];
  if (f.gpus.length === 0) {
    const d = decideBackend(f.probe, 'auto');
    auto.push({ localRank: 0, cudaVisibleDevices: null, backend: d.candidate, reason: d.reason });
  } else {
    f.gpus.forEach((gpu, localRank) => {
      // dtrain launch gives each local rank one GPU; auto then sees a device whenever the GPU package can use it.
      const probe: BackendProbe = { ...f.probe, cuda: { visible: true, reason: `CUDA_VISIBLE_DEVICES=${gpu}` } };
      const d = decideBackend(probe, 'auto');
      auto.push({ localRank, cudaVisibleDevices: String(gpu), backend: d.candidate, reason: d.reason });
    });
  }
  return { node: f.node, platform: f.platform, backends, libtensorflow: f.libtensorflow, cudaLibraries: f.cuda, gpus: f.gpus, auto };
}

export function gatherFacts(): DoctorFacts {
  const probe = probeBackends();
  const pkg = probe.node.binding !== undefined ? '@tensorflow/tfjs-node' : probe.nodeGpu.binding !== undefined ? '@tensorflow/tfjs-node-gpu' : null;
  let libtensorflow: DoctorFacts['libtensorflow'] = null;
  if (pkg !== null) {
    try {
      libtensorflow = { version: verifyBinding(pkg).tfVersion, error: null };
    } catch (err) {
      libtensorflow = { version: null, error: (err as Error).message };
    }
  }
  return { node: process.version, platform: `${platform()}-${arch()}`, probe, libtensorflow, cuda: findCudaLibraries(), gpus: detectGpus() };
}

export function formatDoctor(r: DoctorReport): string {
  const lines = [`node ${r.node} on ${r.platform}`, 'backends:'];
  for (const b of r.backends) lines.push(`  ${b.usable ? 'yes' : 'no '}  ${b.candidate.padEnd(14)} ${b.why}`);
  const tfLine =
    r.libtensorflow === null ? 'none (no native binding)' : r.libtensorflow.version !== null ? r.libtensorflow.version : `binding present but it does not load: ${r.libtensorflow.error ?? ''}`;
  lines.push(`libtensorflow: ${tfLine}`);
  lines.push('CUDA libraries tfjs-node-gpu 4.22 needs (CUDA 11.2, cuDNN 8.1):');
  for (const l of r.cudaLibraries) lines.push(`  ${l.path === null ? 'missing' : 'found  '}  ${l.name}${l.path === null ? '' : `  ${l.path}`}`);
  lines.push(`GPUs (nvidia-smi): ${r.gpus.length === 0 ? 'none' : r.gpus.join(', ')}`);
  lines.push('--backend auto picks:');
  for (const a of r.auto) {
    const who = a.cudaVisibleDevices === null ? 'every rank' : `local rank ${a.localRank} (CUDA_VISIBLE_DEVICES=${a.cudaVisibleDevices})`;
    lines.push(`  ${who}: ${a.backend} (${a.reason})`);
  }
  return `${lines.join('\n')}\n`;
}
