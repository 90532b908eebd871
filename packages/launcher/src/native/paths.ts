/**
 * Where the pieces of a native TensorFlow backend live on this host: the
 * tfjs-node package the runtime will load, the project whose node_modules
 * hold it, Node's headers, npm's node-gyp and the download cache.
 *
 * Everything is resolved from @dtrain/runtime, not from the launcher: the
 * native package must register its backend with the same @tensorflow/tfjs
 * the runtime imports.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export type NativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** The tfjs version every tfjs package of dtrain is pinned to. */
export const TFJS_VERSION = '4.22.0';

/** The libtensorflow file name tfjs-node 4.22's install script looks for before it downloads. */
export const LIBTENSORFLOW_MARKER = 'libtensorflow.so.2.9.1';

const require = createRequire(import.meta.url);

/** The directory holding the package.json at or above `file`. */
function packageDirOf(file: string): string {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${file}`);
    dir = up;
  }
  return dir;
}

/** The installed @dtrain/runtime package directory. */
export function runtimeDir(): string {
  return packageDirOf(require.resolve('@dtrain/runtime'));
}

/** A require() that resolves as the runtime's own modules do. */
export function runtimeRequire(): NodeJS.Require {
  return createRequire(join(runtimeDir(), 'package.json'));
}

/** Directory of `name` as the runtime would load it, or undefined when it is not installed. */
export function resolveFromRuntime(name: string): string | undefined {
  try {
    return dirname(runtimeRequire().resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * The project whose node_modules hold the runtime's @tensorflow/tfjs: a
 * native package installed there shares that tfjs (and so its engine).
 */
export function projectRoot(): string {
  const tfjs = resolveFromRuntime('@tensorflow/tfjs');
  if (tfjs === undefined) throw new Error('@tensorflow/tfjs is not installed beside @dtrain/runtime; run npm install first');
  // <root>/node_modules/@tensorflow/tfjs
  return dirname(dirname(dirname(tfjs)));
}

/** Where downloaded wheels are kept between runs of setup. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'dtrain');
}

/** Node's headers: --nodedir, npm_config_nodedir, or the prefix of this node binary. */
export function nodeHeadersDir(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [explicit, env.npm_config_nodedir, dirname(dirname(process.execPath))];
  for (const dir of candidates) {
    if (dir !== undefined && dir !== '' && existsSync(join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  return undefined;
}

/** npm's own node-gyp: npm_config_node_gyp, or the copy inside the npm beside this node binary. */
export function nodeGypScript(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.npm_config_node_gyp,
    join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(join(dirname(dirname(require.resolve('node-gyp'))), 'bin', 'node-gyp.js'));
  } catch {
    // not installed as a package: npm's copy is the usual one
  }
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}
