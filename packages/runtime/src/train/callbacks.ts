/**
 * tfjs-style callbacks and the History `fit` returns. tfjs's own callback
 * objects (tf.callbacks.earlyStopping, tf.CustomCallback) get the model and
 * the run's parameters (setModel, setParams) and stop training as in tfjs,
 * by setting model.stopTraining; fit then stops every rank at the same step. Logs are this rank's:
 * a batch's `loss` and compiled metrics at its local parameters, an epoch's
 * means over its batches, plus `val_*` of the local model when
 * validationData is given. An epoch ends every stepsPerEpoch steps, and a
 * last partial epoch at the final step.
 */
import type * as tf from '@tensorflow/tfjs';

export type Logs = Record<string, number>;

/** The hooks of tfjs's CustomCallbackArgs that fit calls (each may return a promise). */
export interface FitCallbacks {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
  /** tfjs's Callback objects take the model they watch (and stop, with model.stopTraining)... */
  setModel?: (model: tf.LayersModel) => void;
  /** ...and the run's parameters (epochs, steps, samples, batchSize). */
  setParams?: (params: Record<string, unknown>) => void;
}

/** What tfjs's model.fit returns: the epochs run and, per log key, one value per epoch. */
export interface FitHistory {
  epoch: number[];
  history: Record<string, number[]>;
}

/** A list of callbacks called in order, and the History they build. */
export class CallbackList {
  readonly history: FitHistory = { epoch: [], history: {} };
  private readonly list: FitCallbacks[];
  private sums: Logs = {};
  private batches = 0;

  constructor(callbacks: FitCallbacks | readonly FitCallbacks[] | undefined) {
    this.list = callbacks === undefined ? [] : Array.isArray(callbacks) ? [...(callbacks as readonly FitCallbacks[])] : [callbacks as FitCallbacks];
  }

  /** Hand tfjs Callback objects the model and the run's parameters, as model.fit does. */
  bind(model: tf.LayersModel, params: Record<string, unknown>): void {
    for (const c of this.list) {
      c.setModel?.(model);
      c.setParams?.(params);
    }
  }

  async trainBegin(): Promise<void> {
    for (const c of this.list) await c.onTrainBegin?.({});
  }

  async epochBegin(epoch: number): Promise<void> {
    this.sums = {};
    this.batches = 0;
    for (const c of this.list) await c.onEpochBegin?.(epoch, {});
  }

  async batchBegin(batch: number, size: number): Promise<void> {
    for (const c of this.list) await c.onBatchBegin?.(batch, { batch, size });
  }

  async batchEnd(batch: number, logs: Logs): Promise<void> {
    this.batches += 1;
    for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size') this.sums[k] = (this.sums[k] ?? 0) + v;
    for (const c of this.list) await c.onBatchEnd?.(batch, { ...logs });
  }

  /** Close an epoch: the means of its batches plus `extra` (val_*), into the History and the callbacks. */
  async epochEnd(epoch: number, extra: Logs): Promise<Logs> {
    const logs: Logs = {};
    for (const [k, v] of Object.entries(this.sums)) logs[k] = v / Math.max(this.batches, 1);
    Object.assign(logs, extra);
    this.history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history.history[k] ??= []).push(v);
    for (const c of this.list) await c.onEpochEnd?.(epoch, { ...logs });
    return logs;
  }

  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.list) await c.onTrainEnd?.({ ...logs });
  }
}
