/**
 * Whether this machine has the native TensorFlow backend (tfjs-node with
 * its binding, e.g. after `npx dtrain setup tensorflow --from-pip`). Tests
 * of the tensorflow path run only then; otherwise they are skipped and say why.
 */
import { probeBackends } from '@dtrain/runtime';

const probe = probeBackends();

/** True when @tensorflow/tfjs-node (or -gpu) has its native binding. */
export const NATIVE_TENSORFLOW = probe.node.binding !== undefined || probe.nodeGpu.binding !== undefined;

export const NATIVE_SKIP_REASON = probe.node.installed
  ? '@tensorflow/tfjs-node is installed without its native binding; run: npx dtrain setup tensorflow --from-pip'
  : '@tensorflow/tfjs-node is not installed; run: npx dtrain setup tensorflow --from-pip (or --wheel FILE)';

/** Print the skip reason once per test file when the native backend is missing. */
export function noteNativeSkip(what: string): void {
  if (!NATIVE_TENSORFLOW) process.stderr.write(`skipped on tensorflow: ${what}: ${NATIVE_SKIP_REASON}\n`);
}

/** The backends a backend-dependent test runs on here. */
export function backendsUnderTest(base: readonly string[]): string[] {
  return NATIVE_TENSORFLOW ? [...base, 'tensorflow'] : [...base];
}
