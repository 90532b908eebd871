/**
 * `dtrain setup tensorflow` and `dtrain doctor` as a user runs them (the
 * real CLI, real files), the TF thread split the launcher gives each rank,
 * and TensorFlow's start-up lines shown once per job. The failing setups
 * stop before they change anything, so they run against this checkout's
 * real install; the install still loads afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeBackends } from '@dtrain/runtime/contract';
import { doctorReport, formatDoctor, type DoctorFacts } from '../src/native/doctor.js';
import { StartupNoise } from '../src/noise.js';
import { threadsPerRank, tfThreadEnv } from '../src/threads.js';
import { setupSource } from '../src/commands/setup.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/dtrain.js', import.meta.url));
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dtrain-setup-'));
const native = probeBackends().node.binding !== undefined;

function dtrain(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const build = spawnSync(process.execPath, [tsc, '-b', 'packages/launcher'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}, 240_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('dtrain setup tensorflow: bad input and missing pieces', () => {
  it('two sources at once is a usage error (exit 2) naming the flags', () => {
    const r = dtrain(['setup', 'tensorflow', '--from-pip', '--wheel', 'x.whl']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--wheel, --from-pip and --libtensorflow .* give one of them/);
    expect(() => setupSource({ fromPip: 'tensorflow cpu' })).toThrow(/not a pip requirement/);
    expect(setupSource({ fromPip: true, gpu: true })).toEqual({ kind: 'pip', requirement: 'tensorflow' });
  });

  it('a wheel that does not exist: exit 1, the path and what to pass instead, no stack trace', () => {
    const r = dtrain(['setup', 'tensorflow', '--wheel', join(tmp, 'nope.whl')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nope\.whl: no such file; pass the path of a TensorFlow pip wheel, or use --from-pip/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a wheel without the TensorFlow C library is refused, and the existing install still works', () => {
    const fake = join(tmp, 'fake-1.0.0-py3-none-any.whl');
    const made = spawnSync('python3', ['-c', `import zipfile; z = zipfile.ZipFile(${JSON.stringify(fake)}, 'w'); z.writestr('fake/__init__.py', ''); z.close()`]);
    if (made.status !== 0) return; // no python3: the no-pip case below covers this machine
    const r = dtrain(['setup', 'tensorflow', '--wheel', fake]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/holds no TensorFlow C library \(missing tensorflow\/libtensorflow_cc\.so\.2/);
    const doctor = dtrain(['doctor', '--json']);
    expect(doctor.status).toBe(0);
    const report = JSON.parse(doctor.stdout) as { libtensorflow: { version: string | null } | null };
    if (native) expect(report.libtensorflow?.version).toMatch(/^\d+\.\d+/);
  });

  it('--from-pip without python or pip on PATH names what to install', () => {
    const r = dtrain(['setup', 'tensorflow', '--from-pip'], { ...process.env, PATH: join(tmp, 'empty-bin') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs python3 .* install python3 and pip, or pass --libtensorflow DIR/);
  });

  it('a libtensorflow directory without headers or libraries is refused with what it lacks', () => {
    const dir = join(tmp, 'libtf');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'lib', 'README'), '');
    const r = dtrain(['setup', 'tensorflow', '--libtensorflow', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/lacks include\/tensorflow\/c\/c_api\.h/);
  });

  it('no C++ compiler on PATH: refused before anything changes', () => {
    const wheelDir = join(tmp, 'nocc');
    mkdirSync(wheelDir, { recursive: true });
    const wheel = join(wheelDir, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl');
    writeFileSync(wheel, 'not really a wheel');
    const py = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim();
    const onlyPython = join(tmp, 'only-python');
    mkdirSync(onlyPython, { recursive: true });
    if (py !== '') spawnSync('ln', ['-sf', py, join(onlyPython, 'python3')]);
    const r = dtrain(['setup', 'tensorflow', '--wheel', wheel], { ...process.env, PATH: onlyPython, CXX: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no C\+\+ compiler on PATH .* apt-get install g\+\+ make/);
  });

  // Only where the install came from `setup --from-pip` (as CI's does): any other source would be rebuilt.
  const stamp = ((): string => {
    const dir = probeBackends().node.dir;
    try {
      return dir === undefined ? '' : readFileSync(join(dir, 'deps', '.dtrain-setup.json'), 'utf8');
    } catch {
      return '';
    }
  })();
  it.skipIf(!native || !stamp.includes('"pip:tensorflow-cpu|'))('a second run from the same source does nothing and says so', () => {
    const r = dtrain(['setup', 'tensorflow', '--from-pip', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { changed: boolean; backend: string; tfVersion: string };
    expect(result).toMatchObject({ changed: false, backend: 'tensorflow' });
    expect(result.tfVersion).toMatch(/^2\./);
  });
});

describe('dtrain doctor', () => {
  const base = probeBackends();
  const facts = (over: Partial<DoctorFacts>): DoctorFacts => ({
    node: 'v20.0.0',
    platform: 'linux-x64',
    probe: base,
    libtensorflow: null,
    cuda: [
      { name: 'libcudart.so.11.0', path: null },
      { name: 'libcublas.so.11', path: null },
      { name: 'libcudnn.so.8', path: '/usr/lib/libcudnn.so.8' },
    ],
    gpus: [],
    ...over,
  });

  it('a GPU host with tfjs-node-gpu: auto picks it for every local rank, and the missing CUDA libraries are listed', () => {
    const probe = { ...base, nodeGpu: { installed: true, dir: '/x', binding: '/x/lib/napi-v8/tfjs_binding.node' } };
    const r = doctorReport(facts({ probe, gpus: [0, 1] }));
    expect(r.auto.map((a) => [a.localRank, a.cudaVisibleDevices, a.backend])).toEqual([
      [0, '0', 'tfjs-node-gpu'],
      [1, '1', 'tfjs-node-gpu'],
    ]);
    const text = formatDoctor(r);
    expect(text).toMatch(/missing {2}libcudart\.so\.11\.0/);
    expect(text).toMatch(/found {4}libcudnn\.so\.8/);
  });

  it('a package without its binding says how to build it', () => {
    const probe = { ...base, node: { installed: true, dir: '/y' }, nodeGpu: { installed: false } };
    const row = doctorReport(facts({ probe })).backends.find((b) => b.candidate === 'tfjs-node');
    expect(row).toMatchObject({ usable: false });
    expect(row?.why).toMatch(/npx dtrain setup tensorflow/);
  });

  it('the real report agrees with the probe', () => {
    const r = dtrain(['doctor', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { backends: { candidate: string; usable: boolean }[]; node: string };
    expect(report.node).toBe(process.version);
    expect(report.backends.find((b) => b.candidate === 'tfjs-node')?.usable).toBe(native);
  });
});

describe('TensorFlow threads per rank and start-up lines', () => {
  it('cores are shared among the ranks on a host, at least one each; a user value is kept', () => {
    expect(threadsPerRank(2, 4)).toBe(1);
    expect(threadsPerRank(16, 4)).toBe(4);
    expect(threadsPerRank(16, 3)).toBe(5);
    expect(tfThreadEnv(2, {}, 8).env).toEqual({ TF_NUM_INTRAOP_THREADS: '4', TF_NUM_INTEROP_THREADS: '4' });
    expect(tfThreadEnv(2, { TF_NUM_INTRAOP_THREADS: '3' }, 8)).toMatchObject({ value: 3, source: 'user', env: {} });
  });

  it('each TensorFlow start-up line is shown once per job, whatever its timestamp and rank', () => {
    const noise = new StartupNoise();
    const oneDnn = (pid: number): string => `I0000 00:00:1796161418.2682${pid} ${pid} port.cc:153] oneDNN custom operations are on.`;
    expect(noise.repeated('WARNING: All log messages before absl::InitializeLog() is called are written to STDERR')).toBe(false);
    expect(noise.repeated('WARNING: All log messages before absl::InitializeLog() is called are written to STDERR')).toBe(true);
    expect(noise.repeated(oneDnn(14284))).toBe(false);
    expect(noise.repeated(oneDnn(14281))).toBe(true);
    expect(noise.repeated('my own warning')).toBe(false);
    expect(noise.repeated('my own warning')).toBe(false);
  });
});

describe('the binding patch (tensorDataInto)', () => {
  const stock = probeBackends().node.dir;
  it.skipIf(stock === undefined)('adds the function once, to a copy of the 4.22 sources, and refuses sources it does not know', async () => {
    const { patchBinding } = await import('../src/native/patch.js');
    const dir = join(tmp, 'tfjs-node-copy');
    mkdirSync(join(dir, 'binding'), { recursive: true });
    for (const f of ['tfjs_backend.h', 'tfjs_backend.cc', 'tfjs_binding.cc']) {
      // From the installed package, with any earlier patch taken out again.
      const text = readFileSync(join(stock!, 'binding', f), 'utf8');
      const published = unpatch(text);
      expect(published, f).not.toContain('dtrain: tensorDataInto');
      writeFileSync(join(dir, 'binding', f), published);
    }
    expect(patchBinding(dir)).toEqual({ applied: true });
    const once = readFileSync(join(dir, 'binding', 'tfjs_binding.cc'), 'utf8');
    expect(once.match(/"tensorDataInto"/g)).toHaveLength(1);
    expect(patchBinding(dir)).toEqual({ applied: true });
    expect(readFileSync(join(dir, 'binding', 'tfjs_binding.cc'), 'utf8')).toBe(once);
    writeFileSync(join(dir, 'binding', 'tfjs_backend.h'), '// another version\n');
    writeFileSync(join(dir, 'binding', 'tfjs_backend.cc'), '// another version\n');
    writeFileSync(join(dir, 'binding', 'tfjs_binding.cc'), '// another version\n');
    expect(patchBinding(dir)).toMatchObject({ applied: false, reason: expect.stringMatching(/differ from the tfjs-node 4\.22 ones/) });
  });
});

/** The sources as published: every block the patch adds (each starts with its marker) removed. */
function unpatch(text: string): string {
  return text
    .replace(/\/\/ dtrain: tensorDataInto: copy a float32[^\n]*\n[^\n]*\n[^\n]*\n/, '')
    .replace(/\/\/ dtrain: tensorDataInto\nnapi_value TFJSBackend::CopyTensorDataInto[\s\S]*?\n}\n\n/, '')
    .replace(/\/\/ dtrain: tensorDataInto\nstatic napi_value TensorDataInto[\s\S]*?\n}\n\n/, '')
    .replace(/ {6}\{"tensorDataInto"[^\n]*\n[^\n]*\n/, '');
}
