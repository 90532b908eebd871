/**
 * `dtrain setup tensorflow`: the native backend for hosts whose npm install
 * could not download it (air-gapped clusters, firewalls). See native/setup.ts.
 */
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { setupTensorflow, type SetupSource } from '../native/setup.js';

interface SetupFlags {
  wheel?: string;
  fromPip?: string | boolean;
  libtensorflow?: string;
  gpu?: boolean;
  force?: boolean;
  nodedir?: string;
  json?: boolean;
}

const EXAMPLES = `
Sources (one at most; with none, tfjs-node's own install script downloads libtensorflow):
  --from-pip [REQ]      pip downloads REQ (default tensorflow-cpu) from the index pip is set up with
  --wheel FILE          a TensorFlow pip wheel already on disk
  --libtensorflow DIR   an unpacked libtensorflow tarball (DIR/lib, DIR/include)

Examples:
  dtrain setup tensorflow --from-pip
  dtrain setup tensorflow --wheel /mnt/wheels/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl
  dtrain setup tensorflow --libtensorflow /opt/libtensorflow
Then: dtrain launch --backend tensorflow ...   (dtrain doctor shows what each backend can do)`;

/** The one source the flags name, or a usage error. */
export function setupSource(flags: SetupFlags): SetupSource {
  const named = [flags.wheel !== undefined, flags.fromPip !== undefined, flags.libtensorflow !== undefined].filter(Boolean).length;
  if (named > 1) {
    throw new UsageError('--wheel, --from-pip and --libtensorflow each name a source of TensorFlow; give one of them');
  }
  if (flags.wheel !== undefined) {
    if (flags.wheel.trim() === '') throw new UsageError('--wheel needs the path of a TensorFlow wheel file');
    return { kind: 'wheel', file: resolvePath(flags.wheel) };
  }
  if (flags.libtensorflow !== undefined) {
    if (flags.libtensorflow.trim() === '') throw new UsageError('--libtensorflow needs a directory (the unpacked tarball, holding lib/ and include/)');
    return { kind: 'libtensorflow', dir: resolvePath(flags.libtensorflow) };
  }
  if (flags.fromPip !== undefined) {
    const req = typeof flags.fromPip === 'string' ? flags.fromPip.trim() : flags.gpu === true ? 'tensorflow' : 'tensorflow-cpu';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*([<>=!~]=?[A-Za-z0-9.*+!-]+)?$/.test(req)) {
      throw new UsageError(`--from-pip ${JSON.stringify(req)} is not a pip requirement; write e.g. --from-pip tensorflow-cpu==2.21.0`);
    }
    return { kind: 'pip', requirement: req };
  }
  return { kind: 'download' };
}

export function registerSetup(program: Command): void {
  const setup = program.command('setup').description('install optional native parts of dtrain');
  setup
    .command('tensorflow')
    .description("build tfjs-node's native addon against a local TensorFlow C library (offline installs)")
    .option('--wheel <file>', 'a TensorFlow pip wheel on disk')
    .option('--from-pip [requirement]', 'let pip download the wheel (default tensorflow-cpu; tensorflow with --gpu)')
    .option('--libtensorflow <dir>', 'an unpacked libtensorflow tarball')
    .option('--gpu', 'set up @tensorflow/tfjs-node-gpu instead of @tensorflow/tfjs-node')
    .option('--force', 'rebuild even when the same source is already set up')
    .option('--nodedir <dir>', 'Node headers (default: the prefix of this node)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', EXAMPLES)
    .action((flags: SetupFlags) => {
      const source = setupSource(flags);
      const result = setupTensorflow({
        source,
        gpu: flags.gpu === true,
        force: flags.force === true,
        nodedir: flags.nodedir,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const what = result.changed ? 'ready' : 'already set up; nothing to do (--force rebuilds)';
      process.stdout.write(
        `backend tensorflow ${what}: TensorFlow ${result.tfVersion} from ${result.source}, ${result.package} in ${result.dir}` +
          `${result.gpu ? ', GPU device in use' : ''}\nUse it with: dtrain launch --backend tensorflow ...\n`,
      );
    });
}
