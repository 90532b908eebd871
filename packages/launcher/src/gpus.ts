/** GPU ids: parsing `--gpus 0,1,3` and asking nvidia-smi what this machine has. */
import { execFileSync } from 'node:child_process';
import { UsageError } from './errors.js';

/** `--gpus none` forces CPU; otherwise a list of ids, repeats allowed (processes share that GPU). */
export function parseGpuList(raw: string): number[] {
  if (raw.trim() === 'none') return [];
  const ids = raw.split(',').map((s) => s.trim());
  for (const id of ids) {
    if (!/^\d+$/.test(id)) {
      throw new UsageError(`--gpus ${JSON.stringify(raw)}: ${JSON.stringify(id)} is not a GPU index; write e.g. --gpus 0,1,3 or --gpus none`);
    }
  }
  return ids.map(Number);
}

/** Indices of the GPUs nvidia-smi reports; [] when it is absent or fails. */
export function detectGpus(run: () => string = defaultQuery): number[] {
  let text: string;
  try {
    text = run();
  } catch {
    return [];
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

function defaultQuery(): string {
  return execFileSync('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 10_000,
  });
}
