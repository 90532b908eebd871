/**
 * One function added to tfjs-node's binding when dtrain builds it:
 * `tensorDataInto(id, float32Array, offset)` copies a TensorFlow tensor's
 * data straight into a caller's array. The stock `tensorDataSync(id)`
 * allocates a new zero-filled ArrayBuffer for every read and copies into
 * it, so reading 15 MB of weights costs an allocation, page faults and two
 * copies (into that buffer, then into the flat vector) and leaves 15 MB
 * for the garbage collector each step; this is one copy into memory that
 * is reused. The runtime uses it when the binding has it (tf/read.ts) and
 * falls back to dataSync otherwise (a prebuilt addon from the download).
 *
 * Applied to the sources in node_modules before node-gyp runs; idempotent
 * (a marker line); skipped, with the reason, when the sources are not the
 * 4.22 ones it knows (the stock binding is built instead).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = '// dtrain: tensorDataInto';

const HEADER_ANCHOR = '  napi_value GetTensorData(napi_env env, napi_value tensor_id_value);\n';
const HEADER_ADD = `${MARKER}: copy a float32 tensor into a caller's Float32Array at an element offset.
  napi_value CopyTensorDataInto(napi_env env, napi_value tensor_id_value,
                                napi_value target, napi_value offset_value);
`;

const BACKEND_ANCHOR = '}  // namespace tfnodejs';
const BACKEND_ADD = `${MARKER}
napi_value TFJSBackend::CopyTensorDataInto(napi_env env,
                                           napi_value tensor_id_value,
                                           napi_value target,
                                           napi_value offset_value) {
  int32_t tensor_id;
  ENSURE_NAPI_OK_RETVAL(
      env, napi_get_value_int32(env, tensor_id_value, &tensor_id), nullptr);
  uint32_t offset;
  ENSURE_NAPI_OK_RETVAL(env, napi_get_value_uint32(env, offset_value, &offset),
                        nullptr);
  auto entry = tfe_handle_map_.find(tensor_id);
  if (entry == tfe_handle_map_.end()) {
    NAPI_THROW_ERROR(env, "tensorDataInto: no tensor with id %d", tensor_id);
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value array_buffer;
  size_t byte_offset;
  ENSURE_NAPI_OK_RETVAL(env,
                        napi_get_typedarray_info(env, target, &type, &length,
                                                 &data, &array_buffer,
                                                 &byte_offset),
                        nullptr);
  if (type != napi_float32_array) {
    NAPI_THROW_ERROR(env, "tensorDataInto: the target must be a Float32Array");
    return nullptr;
  }
  if (TFE_TensorHandleDataType(entry->second) != TF_FLOAT) {
    NAPI_THROW_ERROR(env, "tensorDataInto: tensor %d is not float32", tensor_id);
    return nullptr;
  }
  TF_AutoStatus tf_status;
  TF_AutoTensor tensor(
      TFE_TensorHandleResolve(entry->second, tf_status.status));
  ENSURE_TF_OK_RETVAL(env, tf_status, nullptr);
  size_t bytes = TF_TensorByteSize(tensor.tensor);
  if (offset > length || bytes > (length - offset) * sizeof(float)) {
    NAPI_THROW_ERROR(env,
                     "tensorDataInto: %zu bytes do not fit at element %u of %zu",
                     bytes, offset, length);
    return nullptr;
  }
  memcpy(static_cast<float *>(data) + offset, TF_TensorData(tensor.tensor),
         bytes);
  napi_value undefined;
  ENSURE_NAPI_OK_RETVAL(env, napi_get_undefined(env, &undefined), nullptr);
  return undefined;
}

`;

const BINDING_FN_ANCHOR = 'static napi_value ExecuteOp(napi_env env, napi_callback_info info) {';
const BINDING_FN_ADD = `${MARKER}
static napi_value TensorDataInto(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  napi_value js_this;
  ENSURE_NAPI_OK_RETVAL(env,
                        napi_get_cb_info(env, info, &argc, args, &js_this,
                                         nullptr),
                        js_this);
  if (argc < 3) {
    NAPI_THROW_ERROR(env, "tensorDataInto(id, target, offset) takes 3 args, got %zu", argc);
    return nullptr;
  }
  TFJSBackend *const backend = GetTFJSBackend(env);
  if (!backend) return nullptr;
  return backend->CopyTensorDataInto(env, args[0], args[1], args[2]);
}

`;

const BINDING_PROP_ANCHOR = '      {"tensorDataSync", nullptr, TensorDataSync, nullptr, nullptr, nullptr,\n       napi_default, nullptr},\n';
const BINDING_PROP_ADD = '      {"tensorDataInto", nullptr, TensorDataInto, nullptr, nullptr, nullptr,\n       napi_default, nullptr},\n';

export interface PatchResult {
  applied: boolean;
  /** Why not, when not applied. */
  reason?: string;
}

/** Add tensorDataInto to the binding sources of `pkgDir` (a tfjs-node or tfjs-node-gpu directory). */
export function patchBinding(pkgDir: string): PatchResult {
  const files = {
    header: join(pkgDir, 'binding', 'tfjs_backend.h'),
    backend: join(pkgDir, 'binding', 'tfjs_backend.cc'),
    binding: join(pkgDir, 'binding', 'tfjs_binding.cc'),
  };
  if (!Object.values(files).every((f) => existsSync(f))) return { applied: false, reason: 'the binding sources are not where tfjs-node 4.22 has them' };
  const text = { header: readFileSync(files.header, 'utf8'), backend: readFileSync(files.backend, 'utf8'), binding: readFileSync(files.binding, 'utf8') };
  if (Object.values(text).every((t) => t.includes(MARKER))) return { applied: true };
  if (Object.values(text).some((t) => t.includes(MARKER))) return { applied: false, reason: 'the sources are partly patched already; reinstall the package' };
  const anchors: [string, string][] = [
    [text.header, HEADER_ANCHOR],
    [text.backend, BACKEND_ANCHOR],
    [text.binding, BINDING_FN_ANCHOR],
    [text.binding, BINDING_PROP_ANCHOR],
  ];
  const missing = anchors.find(([t, a]) => t.split(a).length !== 2);
  if (missing !== undefined) return { applied: false, reason: 'the binding sources differ from the tfjs-node 4.22 ones this patch knows' };
  writeFileSync(files.header, text.header.replace(HEADER_ANCHOR, HEADER_ANCHOR + HEADER_ADD));
  const at = text.backend.lastIndexOf(BACKEND_ANCHOR);
  writeFileSync(files.backend, text.backend.slice(0, at) + BACKEND_ADD + text.backend.slice(at));
  writeFileSync(files.binding, text.binding.replace(BINDING_FN_ANCHOR, BINDING_FN_ADD + BINDING_FN_ANCHOR).replace(BINDING_PROP_ANCHOR, BINDING_PROP_ANCHOR + BINDING_PROP_ADD));
  return { applied: true };
}
