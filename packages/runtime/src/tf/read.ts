/**
 * Copy a float32 tensor's values into a caller's buffer with one copy.
 *
 * `tensor.dataSync()` on the wasm backend slices the wasm heap into a new
 * array (an allocation and a copy), and the caller then copies that array
 * into its own buffer (a second copy). For tensors held by the wasm backend
 * this reads through a view of the heap instead: one copy, no allocation.
 * Every other case (cpu: dataSync already returns the backend's own array;
 * tensorflow; data held by another backend) goes through dataSync.
 *
 * The view is made and dropped inside the call: the heap may move when the
 * wasm memory grows, so no view is ever kept.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';

/** The members of the wasm backend this reads (public fields of BackendWasm in tfjs-backend-wasm 4.x). */
interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { has(dataId: object): boolean; get(dataId: object): { memoryOffset?: unknown } | undefined };
}

function wasmHeapBackend(): WasmHeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<WasmHeapBackend>;
  if (b.wasm?.HEAPU8 instanceof Uint8Array && typeof b.dataIdMap?.get === 'function' && typeof b.dataIdMap.has === 'function') {
    return b as WasmHeapBackend;
  }
  return null;
}

/**
 * Copy the values of `t` (float32) into `out` starting at `offset`.
 * Throws ModelError E_PARAMS_LENGTH when `t` is not float32 or does not fit.
 */
export function readFloat32Into(t: tf.Tensor, out: Float32Array, offset = 0): void {
  if (t.dtype !== 'float32') {
    throw new ModelError('E_PARAMS_LENGTH', `readFloat32Into: tensor is ${t.dtype}; only float32 tensors can be read into a Float32Array`);
  }
  if (offset < 0 || offset + t.size > out.length) {
    throw new ModelError('E_PARAMS_LENGTH', `readFloat32Into: ${t.size} values at offset ${offset} do not fit a buffer of ${out.length}; size the buffer to the tensors`);
  }
  if (t.isDisposed) {
    t.dataSync(); // throws tfjs's own "Tensor is disposed" error
  }
  const backend = wasmHeapBackend();
  if (backend !== null && backend.dataIdMap.has(t.dataId)) {
    const at = backend.dataIdMap.get(t.dataId)?.memoryOffset;
    const heap = backend.wasm.HEAPU8;
    if (typeof at === 'number' && at % 4 === 0 && at + 4 * t.size <= heap.byteLength) {
      out.set(new Float32Array(heap.buffer, heap.byteOffset + at, t.size), offset);
      return;
    }
  }
  out.set(t.dataSync() as Float32Array, offset);
}
