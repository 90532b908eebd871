/**
 * Helpers for the fit tests: a 3-class blob problem, small dense models
 * ending in softmax or logits, and fit on n ranks over the in-memory network
 * with every rank's records collected.
 */
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { rngFrom } from '@dtrain/topology';
import { createMemoryNetwork, createSession, type FitOptions, type FitResult, type LabeledData, type Session, type TrainData } from '@dtrain/runtime';
import { closeAll } from './train-world.js';

export const DIM = 4;
export const CLASSES = 3;

/** Three well-separated Gaussian blobs in 4 dimensions. */
export function blobs(n: number, seed: number): LabeledData {
  const rng = rngFrom(seed, 77);
  const x = new Float32Array(n * DIM);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    y[i] = c;
    for (let j = 0; j < DIM; j++) x[i * DIM + j] = (j === c ? 3 : 0) + 0.7 * rng.normal();
  }
  return { name: 'blobs', x, y, n, sampleShape: [DIM], classes: CLASSES };
}

/** A dense model ending in `activation` (linear: logits). */
export function dense(activation: 'softmax' | 'linear'): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [DIM], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  m.add(tf.layers.dense({ units: CLASSES, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  return m;
}

export interface Ran {
  results: FitResult[];
  lines: Record<string, unknown>[][];
}

/** fit on n ranks; `make(rank)` builds each rank's model and data; `after` runs on every session before it closes. */
export async function run(
  n: number,
  make: (rank: number) => { model: tf.LayersModel; data: TrainData; test?: LabeledData },
  options: FitOptions,
  after?: (s: Session, model: tf.LayersModel) => Promise<void>,
): Promise<Ran> {
  const lines: Record<string, unknown>[][] = Array.from({ length: n }, () => []);
  const ss = createMemoryNetwork(n, { timeoutMs: 10_000 }).map((transport, r) =>
    createSession({ transport, algorithm: 'dsgd', topology: 'ring', seed: 3, logger: pino({ base: { rank: r } }, { write: (m: string) => lines[r].push(JSON.parse(m) as Record<string, unknown>) }) }),
  );
  try {
    const results = await Promise.all(
      ss.map(async (s, r) => {
        const { model, data, test } = make(r);
        const result = await s.fit(model, { train: data, test }, { logEvery: 0, ...options });
        await after?.(s, model);
        return result;
      }),
    );
    return { results, lines };
  } finally {
    await closeAll(ss);
  }
}
