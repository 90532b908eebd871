/**
 * Building tfjs-node's native addon against the staged C library, and
 * checking that the result loads: what `dtrain setup tensorflow` does once
 * deps/ is in place.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { SetupError } from '../errors.js';
import { run, tail, which } from '../exec.js';
import { nodeGypScript, nodeHeadersDir, projectRoot, resolveFromRuntime, runtimeDir, TFJS_VERSION, type NativePackage } from './paths.js';

/** The tools a source build needs, found or named as missing (all checked before anything changes). */
export interface BuildTools {
  compiler: string;
  make: string;
  python: string;
  nodedir: string;
  nodeGyp: string;
}

export function checkPlatform(): void {
  if (platform() !== 'linux' || (arch() !== 'x64' && arch() !== 'arm64')) {
    throw new SetupError('E_SETUP_PLATFORM', `building against a local TensorFlow is supported on linux x64/arm64, not ${platform()}-${arch()}; install @tensorflow/tfjs-node with its own install script there`);
  }
}

export function checkBuildTools(nodedirFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): BuildTools {
  const compiler = env.CXX !== undefined && env.CXX !== '' ? which(env.CXX, env) ?? (existsSync(env.CXX) ? env.CXX : undefined) : which('c++', env) ?? which('g++', env) ?? which('clang++', env);
  if (compiler === undefined) {
    throw new SetupError('E_SETUP_NO_COMPILER', 'no C++ compiler on PATH (c++, g++ or clang++; or set CXX); install one (Debian: apt-get install g++ make)');
  }
  const make = which('make', env);
  if (make === undefined) throw new SetupError('E_SETUP_NO_COMPILER', 'no make on PATH; install it (Debian: apt-get install make)');
  const python = which('python3', env) ?? which('python', env);
  if (python === undefined) throw new SetupError('E_SETUP_NO_COMPILER', 'node-gyp needs python3 and none is on PATH; install it (Debian: apt-get install python3)');
  const nodedir = nodeHeadersDir(nodedirFlag, env);
  if (nodedir === undefined) {
    const where = nodedirFlag === undefined ? `${dirname(dirname(process.execPath))}/include/node` : `${nodedirFlag}/include/node`;
    throw new SetupError('E_SETUP_NO_NODE_HEADERS', `no Node headers (node_api.h) in ${where}; pass --nodedir DIR (a Node ${process.version} prefix or unpacked node-${process.version}-headers tarball), or install them (Debian: apt-get install libnode-dev)`);
  }
  const nodeGyp = nodeGypScript(env);
  if (nodeGyp === undefined) {
    throw new SetupError('E_SETUP_NO_NODE_GYP', 'node-gyp was not found (neither npm_config_node_gyp nor the copy inside npm); install it: npm install -g node-gyp');
  }
  return { compiler, make, python, nodedir, nodeGyp };
}

function npmCli(): string[] | undefined {
  const bundled = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  const onPath = which('npm');
  return onPath === undefined ? undefined : [onPath];
}

/**
 * The native package's directory; installed without its install script
 * (it would download) when npm removed it after that script failed.
 */
export function ensurePackage(pkg: NativePackage, log: (line: string) => void): string {
  const found = resolveFromRuntime(pkg);
  if (found !== undefined) return found;
  const npm = npmCli();
  if (npm === undefined) {
    throw new SetupError('E_SETUP_NO_PACKAGE', `${pkg} is not installed and npm was not found to fetch it; run: npm install --no-save --ignore-scripts ${pkg}@${TFJS_VERSION}`);
  }
  const root = projectRoot();
  log(`setup: fetching ${pkg}@${TFJS_VERSION} (without its download script) into ${root}/node_modules`);
  const [cmd, ...pre] = npm;
  const r = run(cmd, [...pre, 'install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${pkg}@${TFJS_VERSION}`], { cwd: root });
  const dir = resolveFromRuntime(pkg);
  if (r.status !== 0 || dir === undefined) {
    throw new SetupError('E_SETUP_NO_PACKAGE', `npm could not install ${pkg}@${TFJS_VERSION}: ${tail(r.stderr || r.stdout, 4)}. Check the npm registry (or your mirror) is reachable`);
  }
  return dir;
}

/** Compile lib/napi-v*\/tfjs_binding.node from binding.gyp against deps/. */
export function buildAddon(pkgDir: string, tools: BuildTools): void {
  const pkgRequire = createRequire(join(pkgDir, 'package.json'));
  let preGyp: string;
  try {
    preGyp = pkgRequire.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp');
  } catch {
    throw new SetupError('E_SETUP_NO_PACKAGE', `@mapbox/node-pre-gyp (a dependency of ${pkgDir}) is missing; reinstall: npm install --no-save --ignore-scripts @tensorflow/tfjs-node@${TFJS_VERSION}`);
  }
  const env = {
    ...process.env,
    npm_config_nodedir: tools.nodedir,
    npm_config_node_gyp: tools.nodeGyp,
    PATH: [dirname(tools.compiler), dirname(tools.python), process.env.PATH ?? ''].join(delimiter),
  };
  const r = run(process.execPath, [preGyp, 'install', '--build-from-source', `--nodedir=${tools.nodedir}`], { cwd: pkgDir, env });
  if (r.status !== 0 || bindingFile(pkgDir) === undefined) {
    const errors = (r.stdout + '\n' + r.stderr).split('\n').filter((l) => /error|not found|No such file/i.test(l) && !l.startsWith('gyp info'));
    throw new SetupError('E_SETUP_BUILD', `building the ${pkgDir} addon failed:\n${tail(errors.join('\n') || r.stderr, 10)}`);
  }
}

/** lib/<napi-vN>/tfjs_binding.node when present. */
export function bindingFile(pkgDir: string): string | undefined {
  const lib = join(pkgDir, 'lib');
  if (!existsSync(lib)) return undefined;
  for (const sub of readdirSync(lib)) {
    const file = join(lib, sub, 'tfjs_binding.node');
    if (existsSync(file)) return file;
  }
  return undefined;
}

export interface Verified {
  backend: string;
  tfVersion: string;
  gpu: boolean;
  /** The binding has dtrain's tensorDataInto (patch.ts), checked on a real tensor. */
  tensorDataInto: boolean;
}

const VERIFY_SCRIPT = `
const req = require('module').createRequire(process.argv[1]);
const tf = req(process.argv[2]);
const v = tf.tensor1d([1, 2, 3]).square().dataSync();
if (v[2] !== 9) throw new Error('1,2,3 squared gave ' + Array.from(v));
const b = tf.backend();
let into = false;
if (typeof b.binding.tensorDataInto === 'function') {
  const t = tf.tensor1d([1, 2, 3]).square();
  t.dataSync();
  const out = new Float32Array(5);
  b.binding.tensorDataInto(b.tensorMap.get(t.dataId).id, out, 1);
  if (out[0] !== 0 || out[1] !== 1 || out[3] !== 9 || out[4] !== 0) throw new Error('tensorDataInto gave ' + Array.from(out));
  into = true;
}
process.stdout.write(JSON.stringify({ backend: tf.getBackend(), tfVersion: String(b.binding.TF_Version), gpu: b.isUsingGpuDevice === true, tensorDataInto: into }) + '\\n');
`;

/** Load the package in a fresh process, as the runtime would, and run one op. */
export function verifyBinding(pkg: NativePackage): Verified {
  const r = run(process.execPath, ['-e', VERIFY_SCRIPT, join(runtimeDir(), 'package.json'), pkg], {
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    if (r.status !== 0) throw new Error(tail(r.stderr, 6));
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'backend' in parsed && 'tfVersion' in parsed && 'gpu' in parsed && 'tensorDataInto' in parsed) {
      const { backend, tfVersion, gpu, tensorDataInto } = parsed;
      if (typeof backend === 'string' && typeof tfVersion === 'string' && typeof gpu === 'boolean' && typeof tensorDataInto === 'boolean') {
        return { backend, tfVersion, gpu, tensorDataInto };
      }
    }
    throw new Error(`unexpected output: ${line}`);
  } catch (err) {
    const why = /^(Error: .*|.*cannot open shared object file.*|.*undefined symbol.*)$/m.exec(r.stderr)?.[1] ?? (err as Error).message;
    throw new SetupError('E_SETUP_VERIFY', `the built ${pkg} does not load: ${why.trim()}`);
  }
}
