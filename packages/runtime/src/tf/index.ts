export {
  decideBackend,
  probeBackends,
  probeCuda,
  BACKEND_CHOICES,
  CANDIDATE_PACKAGE,
  type BackendCandidate,
  type BackendChoice,
  type BackendDecision,
  type BackendProbe,
  type CudaProbe,
  type PackageProbe,
  type ProbeHost,
  type SkippedBackend,
  type TfBackendName,
} from './probe.js';
export { checkGpuDevice, selectBackend, type BackendReport, type SelectBackendOptions } from './backend.js';
export {
  conv2dFilterGradient,
  conv2dFilterKernel,
  convGradientActive,
  installConvGradient,
  CONV_GRADIENT_BACKENDS,
} from './conv-grad.js';
export {
  createParamVector,
  paramCount,
  paramLayout,
  readParams,
  trainableVariables,
  writeParams,
  type ParamLayout,
  type ParamSource,
} from './params.js';
export { readFloat32Into } from './read.js';
export { fileHandler, registerFileRouter } from './file-io.js';
export { findCudaLibraries, missingCudaLibraries, CUDA_LIBRARIES, type CudaLibrary, type CudaLibHost } from './cuda-libs.js';
export { ParamWriter } from './param-writer.js';
