/**
 * The flags of compressed communication and DiLoCo's outer optimizer (the
 * real CLI): launch, compose, k8s and worker refuse a bad value before
 * anything starts (exit 2, the flag named, no stack trace), pass a good one
 * to every rank as DTRAIN_* variables, and `dtrain compare` reads the
 * +int8 (+fp16, +bf16, +topk:F) suffix.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigs } from '../src/compare/configs.js';
import { launchArgs } from '../src/compare/run.js';
import { removeTempDirs, tempDir } from '../../../test-utils/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/dtrain.js', import.meta.url));
const dir = tempDir('dtrain-algo-flags-');
afterAll(() => removeTempDirs());

function dtrain(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DTRAIN_SECRET: 'x'.repeat(32) } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--compress, --consensus-step, --outer-*: refused before anything starts', () => {
  it.each([
    [['--compress', 'int4'], /--compress: unknown compression "int4"; use one of fp32, fp16, bf16, int8, topk:F/],
    [['--compress', 'topk:0.9'], /--compress: topk needs a fraction 0 < F <= 0.5/],
    [['--compress', 'int8', '--consensus-step', '1.5'], /--consensus-step "1.5" is not a number in \(0, 1\]/],
    [['--compress', 'int8', '--algorithm', 'gradient-tracking'], /--algorithm gradient-tracking: gradient-tracking does not use compress/],
    [['--consensus-step', '0.5'], /--algorithm dsgd: consensusStep \(got 0.5\) is CHOCO's step size for compressed gossip; set compress/],
    [['--algorithm', 'local-sgd', '--outer-optimizer', 'adam'], /--outer-optimizer "adam" is not an outer optimizer; use sgd or nesterov/],
    [['--algorithm', 'local-sgd', '--outer-lr', '0.7'], /outerLr \(got 0.7\) needs an outer optimizer/],
    [['--algorithm', 'local-sgd', '--outer-optimizer', 'nesterov', '--outer-momentum', '1'], /--outer-momentum "1" is not a number in \[0, 1\)/],
    [['--algorithm', 'dsgd', '--outer-optimizer', 'sgd'], /dsgd does not use outerOptimizer/],
  ])('launch %j', (flags, message) => {
    const r = dtrain('launch', '--nodes', '2', '--example', 'mnist', '--out', join(dir, 'never'), ...flags);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each(['compose', 'k8s'])('%s refuses a bad value and writes the good ones into every rank\'s environment', (cmd) => {
    const bad = dtrain(cmd, '--nodes', '2', '--example', 'mnist', '--compress', 'fp8', '-o', '-');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--compress: unknown compression "fp8"/);
    const good = dtrain(cmd, '--nodes', '2', '--example', 'mnist', '--algorithm', 'pga', '--compress', 'topk:0.05', '--outer-optimizer', 'nesterov', '--outer-lr', '0.5', '-o', '-');
    expect(good.status, good.stderr).toBe(0);
    for (const re of [/DTRAIN_COMPRESS[^A-Z]{1,40}topk:0.05/g, /DTRAIN_OUTER_OPTIMIZER[^A-Z]{1,40}nesterov/g, /DTRAIN_OUTER_LR[^A-Z]{1,40}0.5/g]) {
      expect(good.stdout.match(re), good.stdout).toHaveLength(cmd === 'compose' ? 2 : 1); // k8s: one pod template for every index
    }
  });

  it('worker refuses a bad value with the flag named', () => {
    const r = dtrain('worker', '--compress', 'int3', join(root, 'examples/mnist/train.mjs'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--compress: unknown compression "int3"/);
  });
});

describe('dtrain compare: the codec suffix', () => {
  it('dsgd:onepeer-exp+overlap+int8 runs with --overlap --compress int8; suffixes in either order, each once', () => {
    const [a, b, c] = parseConfigs('dsgd:onepeer-exp+overlap+int8,psgd+topk:0.01,dsgd:ring+bf16+overlap', 8);
    expect(a).toMatchObject({ label: 'dsgd:onepeer-exp+overlap+int8', overlap: true, compress: 'int8' });
    expect(b).toMatchObject({ label: 'psgd+topk:0.01', overlap: false, compress: 'topk:0.01' });
    expect(c).toMatchObject({ label: 'dsgd:ring+overlap+bf16', overlap: true, compress: 'bf16' });
    const args = launchArgs({ nodes: 8, seed: 0, out: '/o', launchFlags: [], script: 's.mjs', scriptArgs: [] } as unknown as Parameters<typeof launchArgs>[0], a);
    expect(args.join(' ')).toContain('--overlap --compress int8');
    expect(() => parseConfigs('dsgd+int8+int8', 4)).toThrow(/unknown or repeated suffix '\+int8'/);
    expect(() => parseConfigs('dsgd+int9', 4)).toThrow(/unknown or repeated suffix '\+int9'/);
    expect(() => parseConfigs('gradient-tracking:ring+int8', 4)).toThrow(/does not use compress/);
  });
});
