/**
 * The `dtrain launch` options that `dtrain compare` hands on to every run
 * as they are (same names, defaults and help as launch's, option-defs.ts),
 * checked here first so that a bad value stops the comparison before its
 * first run rather than failing every run.
 */
import { UsageError } from '../errors.js';
import { parseGpuList } from '../gpus.js';
import { parseHostList } from '../hosts.js';
import { intOption, secondsOption } from '../options.js';
import { parseEnvFlags } from '../remote.js';

export interface PassThroughRaw {
  nprocPerNode?: string;
  gpus?: string;
  hosts?: string;
  hostfile?: string;
  env?: string[];
  timeout?: string;
  iface?: string;
}

export function passThroughFlags(raw: PassThroughRaw, env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  if (raw.hosts !== undefined && raw.hostfile !== undefined) throw new UsageError('give --hosts or --hostfile, not both');
  if (raw.gpus !== undefined) parseGpuList(raw.gpus);
  if (raw.hosts !== undefined) parseHostList(raw.hosts);
  if (raw.nprocPerNode !== undefined) intOption('--nproc-per-node', raw.nprocPerNode, 1);
  if (raw.timeout !== undefined && secondsOption('--timeout', raw.timeout) <= 0) {
    throw new UsageError(`--timeout ${raw.timeout} would fail every receive at once; write e.g. --timeout 30`);
  }
  parseEnvFlags(raw.env ?? [], env);
  return [
    ...(raw.nprocPerNode !== undefined ? ['--nproc-per-node', raw.nprocPerNode] : []),
    ...(raw.gpus !== undefined ? ['--gpus', raw.gpus] : []),
    ...(raw.hosts !== undefined ? ['--hosts', raw.hosts] : []),
    ...(raw.hostfile !== undefined ? ['--hostfile', raw.hostfile] : []),
    ...(raw.timeout !== undefined ? ['--timeout', raw.timeout] : []),
    ...(raw.iface !== undefined ? ['--iface', raw.iface] : []),
    ...(raw.env ?? []).flatMap((e) => ['--env', e]),
  ];
}
