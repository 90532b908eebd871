// A script's settings from flags and variables: flag, then variable, then default; bad values
// and unknown flags are E_TRAIN_OPTION naming what was written.
import { describe, expect, it } from 'vitest';
import { scriptOptions, scriptOptionsHelp } from '../src/train/script-options.js';
import { codeOf } from '../../../test-utils/index.js';

const spec = {
  epochs: { kind: 'int', default: 3 },
  lr: { kind: 'number', default: 0.05 },
  evalEvery: { kind: 'int', env: 'EVAL_EVERY' },
  model: { kind: 'string', default: 'mlp' },
} as const;

describe('scriptOptions', () => {
  it('takes the flag over the variable over the default', () => {
    const o = scriptOptions(spec, { argv: ['--epochs', '1', '--eval-every=7'], env: { EPOCHS: '9', LR: '0.5', MODEL: '' } });
    expect(o).toEqual({ epochs: 1, lr: 0.5, evalEvery: 7, model: 'mlp' });
    expect(scriptOptions(spec, { argv: [], env: {} })).toEqual({ epochs: 3, lr: 0.05, evalEvery: undefined, model: 'mlp' });
  });

  it('refuses a bad value or an unknown flag, naming it', () => {
    expect(codeOf(() => scriptOptions(spec, { argv: ['--epochs', 'x'], env: {} }))).toBe('E_TRAIN_OPTION');
    expect(() => scriptOptions(spec, { argv: [], env: { LR: 'fast' } })).toThrow(/^LR="fast" is not a number; write e.g. LR=0.05$/);
    expect(() => scriptOptions(spec, { argv: ['--epoch', '1'], env: {} })).toThrow(/'--epoch'.*--epochs, --lr, --eval-every, --model/);
  });

  it('--help lists every option with its variable and default', () => {
    let code: number | undefined;
    scriptOptions(spec, { argv: ['--help'], env: {}, exit: (c) => (code = c) });
    expect(code).toBe(0);
    expect(scriptOptionsHelp(spec)).toMatch(/--eval-every <n> .*EVAL_EVERY=/);
  });
});
