/**
 * Where a job's ranks run: --nodes / --nproc-per-node, --gpus (each id one
 * nvidia-smi reports), --hosts / --hostfile; every mismatch is a UsageError
 * naming the flags and the fix.
 */
import { resolve as resolvePath } from 'node:path';
import { UsageError } from './errors.js';
import { parseGpuList } from './gpus.js';
import { isLocalHost, parseHostfile, parseHostList, type HostSlots } from './hosts.js';
import { intOption, type LaunchOptionsRaw } from './options.js';

/** What the layout reads of the machine (resolve.ts's ResolveIO has it). */
export interface LayoutIO {
  cwd: string;
  hostname: string;
  isFile(path: string): boolean;
  readFile(path: string): string;
  detectGpus(): number[];
}

export interface Layout {
  nodes: number;
  gpus: number[] | null;
  hosts: HostSlots[];
}

/**
 * torchrun's --nproc-per-node: processes on each machine. Alone it is --nodes (one machine);
 * with --hosts / --hostfile every host gets that many, which their entries must then not count.
 */
function perNode(raw: LaunchOptionsRaw, hostText: string | undefined): number | undefined {
  if (raw.nprocPerNode === undefined) return undefined;
  const n = intOption('--nproc-per-node', raw.nprocPerNode, 1);
  if (hostText === undefined && raw.nodes !== undefined && intOption('--nodes', raw.nodes, 1) !== n) {
    throw new UsageError(`--nproc-per-node ${n} and --nodes ${raw.nodes} disagree: on one machine they name the same count; give one of them`);
  }
  if (hostText !== undefined && /:\d|slots\s*=/.test(hostText)) {
    throw new UsageError(`--nproc-per-node ${n} gives every host ${n} processes, but the hosts count their own; write the counts once (e.g. --hosts a:${n},b:${n}, or --hosts a,b --nproc-per-node ${n})`);
  }
  return n;
}

export function layout(raw: LaunchOptionsRaw, io: LayoutIO): Layout {
  const hostText = raw.hosts ?? (raw.hostfile !== undefined ? readHostfile(raw.hostfile, io) : undefined);
  const nproc = perNode(raw, hostText);
  const nodesFlag = raw.nodes !== undefined ? intOption('--nodes', raw.nodes, 1) : hostText === undefined ? nproc : undefined;
  const gpusFlag = raw.gpus === undefined ? undefined : parseGpuList(raw.gpus);
  const parsed =
    raw.hosts !== undefined ? parseHostList(raw.hosts)
    : raw.hostfile !== undefined && hostText !== undefined ? parseHostfile(hostText, raw.hostfile)
    : null;
  const hostList = parsed === null || nproc === undefined ? parsed : parsed.map((h) => ({ ...h, slots: nproc }));
  if (hostList !== null) {
    const total = hostList.reduce((s, h) => s + h.slots, 0);
    const nodes = nodesFlag ?? total;
    const where = raw.hosts !== undefined ? `--hosts ${raw.hosts}` : `--hostfile ${raw.hostfile}`;
    if (nodes > total) throw new UsageError(`--nodes ${nodes} does not fit ${where} (${total} slots); lower --nodes or add slots`);
    const widest = Math.max(...hostList.map((h) => h.slots));
    if (gpusFlag !== undefined && gpusFlag.length > 0 && widest > gpusFlag.length) {
      throw new UsageError(`--gpus ${raw.gpus} lists ${gpusFlag.length} GPUs but a host in ${where} has ${widest} slots; list one GPU per slot`);
    }
    const remote = hostList.some((h) => !isLocalHost(h.host, [io.hostname]));
    if (remote && isLocalHost(hostList[0].host, []) ) {
      throw new UsageError(`rank 0 runs on ${hostList[0].host}, which the other hosts cannot dial; name rank 0's host by a reachable address in ${where}`);
    }
    return { nodes, gpus: gpusFlag ?? null, hosts: hostList };
  }
  let nodes: number;
  let gpus: number[];
  if (gpusFlag !== undefined && gpusFlag.length > 0) {
    if (nodesFlag !== undefined && nodesFlag !== gpusFlag.length) {
      throw new UsageError(
        `--nodes ${nodesFlag} does not match --gpus ${raw.gpus} (${gpusFlag.length} GPUs, one process each); drop --nodes or list ${nodesFlag} GPU ids (repeats share a GPU)`,
      );
    }
    nodes = gpusFlag.length;
    gpus = checkGpusHere(raw.gpus ?? '', gpusFlag, io.detectGpus());
  } else {
    const detected = gpusFlag === undefined ? io.detectGpus() : [];
    if (detected.length === 0) {
      if (nodesFlag === undefined) {
        const why = gpusFlag === undefined ? 'nvidia-smi reports no GPU' : 'with --gpus none';
        throw new UsageError(`--nodes is required when running on CPU (${why}); write e.g. --nodes 4`);
      }
      nodes = nodesFlag;
      gpus = [];
    } else {
      nodes = nodesFlag ?? detected.length;
      if (nodes > detected.length) {
        throw new UsageError(
          `--nodes ${nodes} but nvidia-smi reports ${detected.length} GPUs; lower --nodes, share GPUs with --gpus (e.g. --gpus ${[...detected, ...detected].slice(0, nodes).join(',')}) or use --gpus none`,
        );
      }
      gpus = detected.slice(0, nodes);
    }
  }
  return { nodes, gpus, hosts: [{ host: 'localhost', slots: nodes }] };
}

/** `--gpus` ids on this machine: each one nvidia-smi reports (repeats share that GPU). */
function checkGpusHere(raw: string, ids: number[], detected: number[]): number[] {
  const n = ids.length;
  if (detected.length === 0) {
    throw new UsageError(
      `--gpus ${raw}: nvidia-smi reports no GPU on this machine, so the ranks would run on the CPU; write --gpus none --nodes ${n} for ${n} CPU processes`,
    );
  }
  const missing = [...new Set(ids.filter((id) => !detected.includes(id)))];
  if (missing.length > 0) {
    throw new UsageError(
      `--gpus ${raw}: this machine has no GPU ${missing.join(', ')} (nvidia-smi reports ${detected.join(', ')}); list those ids, e.g. --gpus ${detected.slice(0, n).join(',')}`,
    );
  }
  return ids;
}

function readHostfile(path: string, io: LayoutIO): string {
  const abs = resolvePath(io.cwd, path);
  if (!io.isFile(abs)) throw new UsageError(`--hostfile ${JSON.stringify(path)} not found (looked at ${abs}); check the path`);
  return io.readFile(abs);
}
