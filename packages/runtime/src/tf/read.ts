/**
 * Copy a float32 tensor's values into a caller's buffer with one copy.
 *
 * `tensor.dataSync()` on the wasm backend slices the wasm heap into a new
 * array (an allocation and a copy), and the caller then copies that array
 * into its own buffer (a second copy). For tensors held by the wasm backend
 * this reads through a view of the heap instead: one copy, no allocation.
 * On tensorflow, a binding built by `dtrain setup tensorflow` has
 * tensorDataInto, which copies the TensorFlow tensor straight into the
 * caller's buffer (the stock tensorDataSync allocates a fresh array per
 * read). Every other case (cpu: dataSync already returns the backend's own
 * array; a stock tfjs-node; data held by another backend) goes through dataSync.
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

/** The members of tfjs-node's backend this reads (NodeJSKernelBackend in 4.x, with dtrain's binding). */
interface NativeBackend {
  binding: { tensorDataInto: (id: number, out: Float32Array, offset: number) => void };
  tensorMap: { get(dataId: object): { id: number; values: unknown } | undefined };
}

function nativeBackend(): NativeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const b = tf.backend() as unknown as Partial<NativeBackend>;
  if (typeof b.binding?.tensorDataInto === 'function' && typeof b.tensorMap?.get === 'function') return b as NativeBackend;
  return null;
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
  const native = nativeBackend();
  if (native !== null) {
    const info = native.tensorMap.get(t.dataId);
    // Values still on the JS side (written, not yet used by an op) are read by dataSync below without a TensorFlow copy.
    if (info !== undefined && info.values == null && typeof info.id === 'number' && info.id >= 0) {
      native.binding.tensorDataInto(info.id, out, offset);
      return;
    }
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
