/**
 * `dtrain setup tensorflow`: give tfjs-node(-gpu) its native addon without
 * the download its install script makes, from a local TensorFlow C library.
 *
 * Every check runs before anything changes. The previous deps/ and lib/
 * are kept aside while the new ones are built and only dropped once the new
 * addon has loaded in a fresh process, so a setup that fails leaves the
 * install as it was. A second run with the same source does nothing.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { bindingFile, buildAddon, checkBuildTools, checkPlatform, ensurePackage, verifyBinding, type Verified } from './build.js';
import { SetupError } from '../errors.js';
import { run, tail } from '../exec.js';
import { patchBinding } from './patch.js';
import { cacheDir, projectRoot, type NativePackage } from './paths.js';
import { findPython, pipDownload, stageLibtensorflow, stageWheel, type StagedLibrary } from './sources.js';

export type SetupSource =
  | { kind: 'wheel'; file: string }
  | { kind: 'pip'; requirement: string }
  | { kind: 'libtensorflow'; dir: string }
  /** tfjs-node's own install script: downloads libtensorflow and a prebuilt addon (online hosts, or a mirror). */
  | { kind: 'download' };

export interface SetupOptions {
  source: SetupSource;
  gpu: boolean;
  force: boolean;
  nodedir?: string;
  log: (line: string) => void;
}

export interface SetupResult extends Verified {
  package: NativePackage;
  dir: string;
  source: string;
  /** False when an earlier setup from the same source was still in place. */
  changed: boolean;
}

const STAMP = '.dtrain-setup.json';
/** What dtrain adds to the binding it builds (patch.ts); a build from an older dtrain is redone. */
const BUILD = 'tensorDataInto-1';

interface Stamp {
  key: string;
  source: string;
}

/** What identifies a source for the no-op check. */
function sourceKey(source: SetupSource): string {
  switch (source.kind) {
    case 'wheel':
      return `wheel:${basename(source.file)}:${statSync(source.file).size}|${BUILD}`;
    case 'pip':
      return `pip:${source.requirement}|${BUILD}`;
    case 'libtensorflow':
      return `libtensorflow:${source.dir}|${BUILD}`;
    case 'download':
      return 'download';
  }
}

function readStamp(pkgDir: string): Stamp | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(pkgDir, 'deps', STAMP), 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'key' in parsed && 'source' in parsed && typeof parsed.key === 'string' && typeof parsed.source === 'string') {
      return { key: parsed.key, source: parsed.source };
    }
  } catch {
    // no stamp: not set up by dtrain
  }
  return undefined;
}

/** The checks that need no change on disk, for the chosen source. */
function checkSource(source: SetupSource): string | undefined {
  if (source.kind === 'wheel' && !(existsSync(source.file) && statSync(source.file).isFile())) {
    throw new SetupError('E_SETUP_NO_WHEEL', `--wheel ${source.file}: no such file; pass the path of a TensorFlow pip wheel, or use --from-pip`);
  }
  if (source.kind === 'libtensorflow') stageCheckOnly(source.dir);
  if (source.kind === 'wheel' || source.kind === 'pip') {
    const python = findPython();
    if (python === undefined) {
      throw new SetupError(
        source.kind === 'pip' ? 'E_SETUP_NO_PIP' : 'E_SETUP_NO_UNZIP',
        `${source.kind === 'pip' ? '--from-pip' : '--wheel'} needs python3 (for pip and to read the wheel) and none is on PATH; install python3 and pip, or pass --libtensorflow DIR`,
      );
    }
    return python;
  }
  return undefined;
}

function stageCheckOnly(dir: string): void {
  if (!existsSync(join(dir, 'include', 'tensorflow', 'c', 'c_api.h')) || !existsSync(join(dir, 'lib'))) {
    throw new SetupError('E_SETUP_BAD_LIBTENSORFLOW', `--libtensorflow ${dir} lacks include/tensorflow/c/c_api.h or lib/; pass the directory a libtensorflow-cpu-linux-x86_64 tarball unpacks to`);
  }
}

function stage(source: SetupSource, deps: string, python: string | undefined, log: (line: string) => void): StagedLibrary {
  if (source.kind === 'libtensorflow') return stageLibtensorflow(source.dir, deps);
  if (source.kind === 'wheel') return stageWheel(source.file, deps, python);
  if (source.kind === 'pip' && python !== undefined) {
    log(`setup: pip download ${source.requirement}`);
    const wheel = pipDownload(python, source.requirement, join(cacheDir(), 'wheels'));
    log(`setup: unpacking the TensorFlow C library from ${basename(wheel)}`);
    return stageWheel(wheel, deps, python);
  }
  throw new SetupError('E_SETUP_NO_PIP', 'no python3 for pip');
}

/** tfjs-node's own script, for hosts that reach its download host or a mirror of it. */
function runOwnInstall(pkgDir: string): void {
  const bin = join(projectRoot(), 'node_modules', '.bin');
  const r = run(process.execPath, [join(pkgDir, 'scripts', 'install.js')], {
    cwd: pkgDir,
    env: { ...process.env, PATH: [bin, process.env.PATH ?? ''].join(delimiter) },
  });
  if (r.status !== 0 || bindingFile(pkgDir) === undefined) {
    const out = `${r.stderr}\n${r.stdout}`;
    const why = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo)\b[^\n]*/.exec(out)?.[0] ?? tail(out, 1);
    throw new SetupError('E_SETUP_DOWNLOAD', `the download of libtensorflow failed (${why.trim()}). Offline? Build from a local TensorFlow instead: --from-pip, --wheel FILE or --libtensorflow DIR (or set TFJS_NODE_BASE_URI to a mirror)`);
  }
}

function moveAside(pkgDir: string): void {
  for (const d of ['deps', 'lib']) {
    rmSync(join(pkgDir, `${d}.prev`), { recursive: true, force: true });
    if (existsSync(join(pkgDir, d))) renameSync(join(pkgDir, d), join(pkgDir, `${d}.prev`));
  }
}

function restore(pkgDir: string): void {
  for (const d of ['deps', 'lib']) {
    if (!existsSync(join(pkgDir, `${d}.prev`))) continue;
    rmSync(join(pkgDir, d), { recursive: true, force: true });
    renameSync(join(pkgDir, `${d}.prev`), join(pkgDir, d));
  }
}

export function setupTensorflow(opts: SetupOptions): SetupResult {
  const pkg: NativePackage = opts.gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const local = opts.source.kind !== 'download';
  if (local) checkPlatform();
  const python = checkSource(opts.source);
  const tools = local ? checkBuildTools(opts.nodedir) : undefined;
  const pkgDir = ensurePackage(pkg, opts.log);
  const key = sourceKey(opts.source);
  const stamp = readStamp(pkgDir);
  if (!opts.force && stamp?.key === key && bindingFile(pkgDir) !== undefined) {
    const v = verifyBinding(pkg);
    return { ...v, package: pkg, dir: pkgDir, source: stamp.source, changed: false };
  }
  const staging = join(pkgDir, 'deps.new');
  rmSync(staging, { recursive: true, force: true });
  rmSync(join(pkgDir, 'build'), { recursive: true, force: true });
  let staged: StagedLibrary | undefined;
  try {
    if (local) staged = stage(opts.source, staging, python, opts.log);
    moveAside(pkgDir);
    if (local && tools !== undefined) {
      renameSync(staging, join(pkgDir, 'deps'));
      const patch = patchBinding(pkgDir);
      opts.log(patch.applied ? 'setup: the binding gets tensorDataInto (weights read straight into the runtime\'s buffers)' : `setup: building the stock binding: ${patch.reason ?? ''}`);
      opts.log(`setup: building the ${pkg} addon (node-gyp, ${basename(tools.compiler)})`);
      buildAddon(pkgDir, tools);
    } else {
      opts.log(`setup: running ${pkg}'s own install script (it downloads libtensorflow)`);
      runOwnInstall(pkgDir);
    }
    const v = verifyBinding(pkg);
    const source = staged?.source ?? 'download';
    writeFileSync(join(pkgDir, 'deps', STAMP), JSON.stringify({ key, source, tfVersion: v.tfVersion }, null, 2) + '\n');
    for (const d of ['deps.prev', 'lib.prev', 'build', 'build-tmp-napi-v8']) rmSync(join(pkgDir, d), { recursive: true, force: true });
    return { ...v, package: pkg, dir: pkgDir, source, changed: true };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    rmSync(join(pkgDir, 'build'), { recursive: true, force: true });
    restore(pkgDir);
    throw err;
  }
}
