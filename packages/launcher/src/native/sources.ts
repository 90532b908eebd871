/**
 * The TensorFlow C library, from a local source, laid out as tfjs-node's
 * binding.gyp expects it (deps/include, deps/lib):
 * - a TensorFlow pip wheel (`--wheel`, or one `pip download` fetches for
 *   `--from-pip`): libtensorflow_cc.so.2 and libtensorflow_framework.so.2
 *   hold the C API the binding calls, and include/ its headers;
 * - an unpacked libtensorflow tarball (`--libtensorflow DIR`).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { basename, join } from 'node:path';
import { SetupError } from '../errors.js';
import { run, tail, which } from '../exec.js';
import { LIBTENSORFLOW_MARKER } from './paths.js';

export interface StagedLibrary {
  /** TensorFlow version read from the source's name ('unknown' when it says none). */
  version: string;
  /** What it came from, for the logs and the stamp. */
  source: string;
}

/** Python, for pip and for reading wheels. */
export function findPython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return which('python3', env) ?? which('python', env);
}

/** The pip platform tags to ask for on this host (wheels are per Python version; the C library inside is not). */
function pipPlatforms(): string[] {
  if (platform() !== 'linux') return [];
  const a = arch() === 'arm64' ? 'aarch64' : 'x86_64';
  return ['manylinux_2_27', 'manylinux_2_17', 'manylinux2014'].map((p) => `${p}_${a}`);
}

/**
 * `pip download` a TensorFlow wheel into `dir` (reused when already there).
 * Tries the interpreter's own tags first, then the Python versions that
 * TensorFlow publishes wheels for.
 */
export function pipDownload(python: string, requirement: string, dir: string): string {
  const probe = run(python, ['-m', 'pip', '--version']);
  if (probe.status !== 0) {
    throw new SetupError('E_SETUP_NO_PIP', `${python} has no pip (${tail(probe.stderr, 2) || 'pip --version failed'}); install it (Debian: apt-get install python3-pip), or download a wheel elsewhere and pass --wheel FILE`);
  }
  mkdirSync(dir, { recursive: true });
  const base = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', dir];
  const attempts: string[][] = [[...base, requirement]];
  for (const py of ['3.12', '3.11', '3.10', '3.9']) {
    attempts.push([...base, '--python-version', py, ...pipPlatforms().flatMap((p) => ['--platform', p]), requirement]);
  }
  let last = '';
  for (const args of attempts) {
    const r = run(python, args);
    if (r.status === 0) {
      const saved = /(?:Saved|File was already downloaded) (\S+\.whl)/.exec(r.stdout);
      const wheel = saved?.[1] ?? newestWheel(dir);
      if (wheel !== undefined && existsSync(wheel)) return wheel;
    }
    last = tail(r.stderr || r.stdout, 4);
  }
  throw new SetupError('E_SETUP_PIP_DOWNLOAD', `pip could not download ${requirement}: ${last}. Point pip at an index that has it (pip config, PIP_INDEX_URL), or pass --wheel FILE`);
}

function newestWheel(dir: string): string | undefined {
  const wheels = readdirSync(dir).filter((f) => f.endsWith('.whl')).map((f) => join(dir, f));
  wheels.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return wheels[0];
}

/** What of a wheel the binding needs: the two libraries and the C API headers. */
const WHEEL_SCRIPT = `
import json, os, shutil, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
libs = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
def wanted(n):
    if n in libs: return True
    if not n.startswith('tensorflow/include/') or n.endswith('/'): return False
    rest = n[len('tensorflow/include/'):]
    return rest.startswith('tensorflow/c/') or rest.startswith('xla/tsl/c/') or '/ctstring' in rest
try:
    z = zipfile.ZipFile(wheel)
except Exception as e:
    print(json.dumps({'error': str(e)})); sys.exit(0)
names = [n for n in z.namelist() if wanted(n)]
missing = [l for l in libs if l not in names] + ([] if 'tensorflow/include/tensorflow/c/c_api.h' in names else ['tensorflow/include/tensorflow/c/c_api.h'])
if missing:
    print(json.dumps({'missing': missing})); sys.exit(0)
for n in names:
    out = os.path.join(dest, n[len('tensorflow/'):])
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with z.open(n) as src, open(out, 'wb') as dst: shutil.copyfileobj(src, dst, 1 << 22)
print(json.dumps({'extracted': len(names)}))
`;

interface WheelScriptResult {
  error?: string;
  missing?: string[];
  extracted?: number;
}

function parseWheelResult(stdout: string): WheelScriptResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`unexpected output ${line}`);
  return parsed as WheelScriptResult;
}

/** Unpack the C library of `wheel` into `deps` (deps/lib, deps/include). */
export function stageWheel(wheel: string, deps: string, python: string | undefined): StagedLibrary {
  if (!existsSync(wheel) || !statSync(wheel).isFile()) {
    throw new SetupError('E_SETUP_NO_WHEEL', `--wheel ${wheel}: no such file; pass the path of a TensorFlow wheel (e.g. tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl), or use --from-pip`);
  }
  if (python === undefined) {
    throw new SetupError('E_SETUP_NO_UNZIP', 'reading a wheel needs python3 (a wheel is a zip file); install python3, or unpack a libtensorflow tarball and pass --libtensorflow DIR');
  }
  mkdirSync(deps, { recursive: true });
  const r = run(python, ['-c', WHEEL_SCRIPT, wheel, deps]);
  let res: WheelScriptResult;
  try {
    if (r.status !== 0) throw new Error(tail(r.stderr, 3));
    res = parseWheelResult(r.stdout);
  } catch (err) {
    throw new SetupError('E_SETUP_BAD_WHEEL', `reading ${wheel} failed: ${(err as Error).message}`);
  }
  if (res.error !== undefined) {
    throw new SetupError('E_SETUP_BAD_WHEEL', `${wheel} is not a readable wheel (${res.error}); download it again, or use --from-pip`);
  }
  if (res.missing !== undefined) {
    throw new SetupError('E_SETUP_BAD_WHEEL', `${wheel} holds no TensorFlow C library (missing ${res.missing.join(', ')}); use a tensorflow or tensorflow-cpu 2.x wheel for ${platform()}-${arch()}`);
  }
  const lib = join(deps, 'lib');
  mkdirSync(lib, { recursive: true });
  for (const f of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) renameSync(join(deps, f), join(lib, f));
  link(lib, 'libtensorflow_cc.so.2', 'libtensorflow.so');
  link(lib, 'libtensorflow_cc.so.2', 'libtensorflow.so.2');
  link(lib, 'libtensorflow_framework.so.2', 'libtensorflow_framework.so');
  link(lib, 'libtensorflow_cc.so.2', LIBTENSORFLOW_MARKER);
  const version = /^[A-Za-z0-9_.]+?-(\d+\.\d+\.\d+[A-Za-z0-9.]*)-/.exec(basename(wheel))?.[1] ?? 'unknown';
  return { version, source: `wheel ${basename(wheel)}` };
}

/** Copy an unpacked libtensorflow tarball (lib/, include/) into `deps`. */
export function stageLibtensorflow(dir: string, deps: string): StagedLibrary {
  const lib = join(dir, 'lib');
  const files = existsSync(lib) ? readdirSync(lib) : [];
  const hasMain = files.some((f) => f.startsWith('libtensorflow.so'));
  const hasFramework = files.some((f) => f.startsWith('libtensorflow_framework.so'));
  const hasHeader = existsSync(join(dir, 'include', 'tensorflow', 'c', 'c_api.h'));
  const missing = [
    ...(hasMain ? [] : ['lib/libtensorflow.so*']),
    ...(hasFramework ? [] : ['lib/libtensorflow_framework.so*']),
    ...(hasHeader ? [] : ['include/tensorflow/c/c_api.h']),
  ];
  if (missing.length > 0) {
    throw new SetupError('E_SETUP_BAD_LIBTENSORFLOW', `--libtensorflow ${dir} lacks ${missing.join(', ')}; pass the directory a libtensorflow-cpu-linux-x86_64 tarball unpacks to (it holds lib/ and include/)`);
  }
  mkdirSync(deps, { recursive: true });
  cpSync(lib, join(deps, 'lib'), { recursive: true, verbatimSymlinks: true });
  cpSync(join(dir, 'include'), join(deps, 'include'), { recursive: true, verbatimSymlinks: true });
  const versioned = files.map((f) => /^libtensorflow\.so\.(\d+\.\d+\.\d+)$/.exec(f)?.[1]).find((v) => v !== undefined);
  const main = files.includes('libtensorflow.so.2') ? 'libtensorflow.so.2' : files.find((f) => f.startsWith('libtensorflow.so')) ?? 'libtensorflow.so';
  if (!files.includes(LIBTENSORFLOW_MARKER)) link(join(deps, 'lib'), main, LIBTENSORFLOW_MARKER);
  if (!files.includes('libtensorflow.so')) link(join(deps, 'lib'), main, 'libtensorflow.so');
  const fw = files.find((f) => f.startsWith('libtensorflow_framework.so.')) ?? 'libtensorflow_framework.so';
  if (!files.includes('libtensorflow_framework.so')) link(join(deps, 'lib'), fw, 'libtensorflow_framework.so');
  linkSonames(join(deps, 'lib'));
  return { version: versioned ?? 'unknown', source: `libtensorflow ${dir}` };
}

/**
 * The dynamic loader looks a library up by the name recorded inside it (its
 * SONAME, e.g. libtensorflow_cc.so.2), not by its file name: give every
 * library whose SONAME names no file a link of that name. Needs readelf
 * (binutils, there wherever the compiler is); without it nothing changes.
 */
function linkSonames(lib: string): void {
  const readelf = which('readelf');
  if (readelf === undefined) return;
  for (const f of readdirSync(lib)) {
    if (!/\.so(\.|$)/.test(f)) continue;
    const r = run(readelf, ['-d', join(lib, f)]);
    const soname = /\(SONAME\)\s+Library soname: \[([^\]]+)\]/.exec(r.stdout)?.[1];
    if (soname !== undefined && soname !== f && !existsSync(join(lib, soname)) && !soname.includes('/')) symlinkSync(f, join(lib, soname));
  }
}

function link(dir: string, target: string, name: string): void {
  const path = join(dir, name);
  if (name === target) return;
  rmFile(path);
  symlinkSync(target, path);
}

function rmFile(path: string): void {
  rmSync(path, { force: true });
}
