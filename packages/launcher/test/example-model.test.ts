/**
 * The quick start's trained model outlives the job: `dtrain launch --example
 * mnist --out DIR` leaves the average model in DIR/model/, which loads back
 * and classifies MNIST well above chance. On the cpu backend it is written by
 * dtrain's file:// handler; on `auto` by tfjs-node's where that backend is
 * installed. Build first: npx tsc -b packages/launcher.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accuracy, fileHandler, loadMnist } from '@dtrain/runtime';
import { cleanup, freePort, startCli, tempDir } from './job-helpers.js';

afterEach(cleanup);
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'auto'])('dtrain launch --example mnist --backend %s', (backend) => {
  it('saves the average model to OUT/model/, and the loaded model is far above chance on the test set', async () => {
    const out = tempDir('dtrain-mnist-model-');
    // A free port: the default one may be held by another job on this machine.
    const port = String(await freePort());
    const job = startCli(['launch', '--nodes', '2', '--example', 'mnist', '--backend', backend, '--port', port, '--out', out], { STEPS: '150', EVAL_EVERY: '0', EVAL_SAMPLES: '500', LOG_EVERY: '50' });
    const exit = await job.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
    expect(existsSync(join(out, 'model', 'weights.bin'))).toBe(true);
    const model = await tf.loadLayersModel(fileHandler(join(out, 'model')));
    const { test } = loadMnist({ variant: 'mnist' });
    // Chance is 10%; 150 steps of 2 ranks reach about 90%.
    expect(accuracy(model, test, 2000)).toBeGreaterThan(0.75);
  }, 120_000);
});
