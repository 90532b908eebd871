// Arguments after `--` reach the script, with --example too, and the examples read flags as
// well as variables (a flag wins). Real jobs: `dtrain launch --example mnist` on 2 ranks.
// Build first: npx tsc -b packages/launcher.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exampleArgs } from '../src/resolve.js';
import { cleanup, freePort, rankLog, startCli, tempDir } from './job-helpers.js';

afterEach(cleanup);

describe('script arguments', () => {
  it('with --example, everything after -- is the example\'s', () => {
    expect(exampleArgs('--epochs', ['1'], 'mnist', ['node', 'dtrain', 'launch', '--example', 'mnist', '--', '--epochs', '1'])).toEqual({ script: undefined, args: ['--epochs', '1'] });
    // A script named as well is still refused (resolveScript), not taken as an argument.
    expect(exampleArgs('t.mjs', ['--x'], 'mnist', ['node', 'dtrain', 'launch', '--example', 'mnist', 't.mjs', '--', '--x'])).toEqual({ script: 't.mjs', args: ['--x'] });
    expect(exampleArgs('t.mjs', [], undefined, [])).toEqual({ script: 't.mjs', args: [] });
  });

  it('`dtrain launch --example mnist -- --steps 6 ...` trains what the flags say, over the variables', async () => {
    const out = tempDir();
    const r = await startCli(
      ['launch', '--nodes', '2', '--gpus', 'none', '--port', String(await freePort()), '--example', 'mnist', '--out', out, '--', '--steps', '6', '--hidden', '16', '--eval-every', '0', '--eval-samples', '100', '--log-every', '2'],
      { STEPS: '50', HIDDEN: '32' },
    ).exited;
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { steps: number; hidden: number[] };
    expect([s.steps, s.hidden]).toEqual([6, [16]]);
    expect(rankLog(out, 1).filter((l) => l.kind === 'step').map((l) => l.step)).toEqual([2, 4, 6]);
  }, 90_000);

  it('a bad flag stops every rank with one line naming it', async () => {
    const out = tempDir();
    const r = await startCli(['launch', '--nodes', '2', '--gpus', 'none', '--port', String(await freePort()), '--example', 'mnist', '--out', out, '--', '--epochs', 'two'], {}).exited;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_TRAIN_OPTION: --epochs "two" is not a non-negative integer');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
