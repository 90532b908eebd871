/**
 * Every option that more than one subcommand takes, defined once: the same
 * flag, default and help text in `launch`, `compose`, `k8s`, `compare`,
 * `consensus` and `bench` (test/options-parity.test.ts checks it). Each
 * function returns a fresh commander Option (an Option belongs to one command).
 */
import { Option } from 'commander';
import { DEFAULT_SECURE, RESUME_MODES, SECURE_MODES } from '@dtrain/runtime/contract';
import { DEFAULT_PORT, DEFAULT_SEED, DEFAULT_TIMEOUT_S } from './constants.js';

/** `note`: what the count defaults to in this command, if anything. */
export const nodesOption = (note = ''): Option => new Option('-n, --nodes <n>', `number of worker processes (ranks) in all${note === '' ? '' : ` (${note})`}`);

export const nprocPerNodeOption = (): Option =>
  new Option('--nproc-per-node <n>', "torchrun's name: processes on each machine; alone it is --nodes, with --hosts a,b every host gets n (torchrun's --nnodes is the number of hosts)");

export const gpusOption = (): Option => new Option('--gpus <list>', 'GPU indices, one process each, e.g. 0,1,3 (repeats share a GPU); "none" for CPU (default: every GPU nvidia-smi reports)');

export const hostsOption = (): Option => new Option('--hosts <list>', 'start ranks over ssh on these hosts, e.g. a:4,b:4 (host:processes)').conflicts('hostfile');

export const hostfileOption = (): Option => new Option('--hostfile <file>', 'hosts, one per line: "host slots=4" or "host:4"');

export const envOption = (): Option =>
  new Option('-x, --env <NAME[=VALUE]>', "set a variable on every rank, or forward the launcher's own with NAME alone (repeatable)").argParser(collect).default([]);

/** `defaultS`: only the benchmarks, whose frames are large, wait longer by default. */
export const timeoutOption = (defaultS: number = DEFAULT_TIMEOUT_S): Option =>
  new Option('--timeout <seconds>', 'how long a rank waits for a peer (rendezvous, each receive) before failing').default(String(defaultS));

export const seedOption = (): Option => new Option('--seed <n>', 'seed shared by every rank (schedules, data order)').default(String(DEFAULT_SEED));

export const backendOption = (): Option => new Option('--backend <name>', 'TensorFlow.js backend: auto, tensorflow, wasm or cpu (default: the script\'s, else auto)');

export const portOption = (): Option => new Option('--port <n>', "rendezvous port on rank 0's host").default(String(DEFAULT_PORT));

export const ifaceOption = (): Option => new Option('--iface <name>', 'network interface the workers bind (default: all)');

export const exampleOption = (): Option => new Option('--example <name>', 'run examples/<name>/train.mjs instead of a script path');

export const secureOption = (): Option =>
  new Option('--secure <mode>', 'mac: every frame MACed (header and body), in the clear; curve: also encrypted with CURVE, rendezvous included (slower)')
    .choices([...SECURE_MODES])
    .default(DEFAULT_SECURE);

export const resumeOption = (): Option =>
  new Option(
    '--resume <mode>',
    "checkpoints in the output directory: auto: continue from the newest step every rank holds intact, if any; never: delete them and start over; must: continue or stop (default: the script's, else auto)",
  ).choices([...RESUME_MODES]);

export const clusterOption = (): Option =>
  new Option('--cluster <kind>', 'local: plain processes; netns: one network namespace per rank on a bridge, an emulated multi-host cluster (root only)')
    .choices(['local', 'netns'])
    .default('local');

export const rateOption = (): Option => new Option('--rate <rate>', 'with --cluster netns: link rate of every rank, e.g. 1gbit or 100mbit (default: unlimited)');

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
