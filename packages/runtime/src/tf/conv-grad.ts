/**
 * The conv2d filter gradient as an ordinary dilated conv2d, so CNNs train on
 * backends without a Conv2DBackpropFilter kernel (wasm) and faster on the
 * naive pure-JS one (cpu).
 *
 * Forward (NHWC, dilation 1): y[b,i,j,o] = sum_{p,q,c} xp[b, i*s_h + p, j*s_w + q, c] * w[p,q,c,o]
 * with xp the input padded by (top, left). Hence
 *   dW[p,q,c,o] = sum_{b,i,j} xp[b, p + i*s_h, q + j*s_w, c] * dy[b,i,j,o],
 * which is conv2d(input = xp^T [c, H', W', b], filter = dy^T [oh, ow, b, o],
 * stride 1, dilation (s_h, s_w), valid) -> [c, kh, kw, o], transposed to [kh, kw, c, o].
 * H' = (oh - 1) * s_h + kh rows of xp are used: padded below or cropped to that.
 *
 * Installed twice: as the Conv2D gradient (covers tf.conv2d and unfused
 * layers), and as a Conv2DBackpropFilter kernel on backends lacking one (the
 * fused conv2d with linear activation calls that kernel from its own gradient).
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

/** How to cut and pad x so a valid dilated conv yields exactly [kh, kw]. */
interface FilterGradGeometry {
  cropH: number;
  cropW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  strideH: number;
  strideW: number;
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

function geometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode: RoundingMode,
): FilterGradGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const h = xShape[1] as number;
  const w = xShape[2] as number;
  const bottom = (info.outHeight - 1) * info.strideHeight + info.filterHeight - info.padInfo.top - h;
  const right = (info.outWidth - 1) * info.strideWidth + info.filterWidth - info.padInfo.left - w;
  return {
    cropH: Math.max(0, -bottom),
    cropW: Math.max(0, -right),
    padTop: info.padInfo.top,
    padBottom: Math.max(0, bottom),
    padLeft: info.padInfo.left,
    padRight: Math.max(0, right),
    strideH: info.strideHeight,
    strideW: info.strideWidth,
  };
}

/** dL/dfilter of conv2d(x, filter, strides, pad) (NHWC, dilation 1) computed by one dilated conv2d. */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: RoundingMode,
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geometry(x.shape, filterShape, strides, pad, dimRoundingMode);
    const [b, h, w, c] = x.shape;
    let xs: tf.Tensor4D = x;
    if (g.cropH > 0 || g.cropW > 0) xs = tf.slice(xs, [0, 0, 0, 0], [b, h - g.cropH, w - g.cropW, c]);
    if (g.padTop + g.padBottom + g.padLeft + g.padRight > 0) {
      xs = tf.pad(xs, [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]]);
    }
    const xt = tf.transpose(xs, [3, 1, 2, 0]);
    const dyt = tf.transpose(dy, [1, 2, 0, 3]);
    const r = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [g.strideH, g.strideW]);
    return tf.transpose(r, [1, 2, 0, 3]);
  });
}

function isOnes(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'number') return v === 1;
  return Array.isArray(v) && v.every((e) => e === 1);
}

let stockGradient: GradConfig | undefined;
let installed = false;
/** Backends on which the replacement is used; elsewhere (tensorflow) the stock gradient runs. */
const replaceOn = new Set<string>();

/** Backends whose filter gradient is slow or missing by default. */
export const CONV_GRADIENT_BACKENDS: readonly string[] = ['cpu', 'wasm'];

function conv2dGradient(): GradConfig {
  return {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const { dilations, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
        dilations: number | [number, number];
        strides: number | [number, number];
        pad: Pad;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode: RoundingMode;
      };
      const unsupported = !isOnes(dilations) || dataFormat === 'NCHW' || !replaceOn.has(tf.getBackend());
      if (stockGradient !== undefined && unsupported) {
        return stockGradient.gradFunc(dy, saved, attrs);
      }
      const [x4, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      const stockX = stockGradient?.gradFunc(dy, saved, attrs)['x'];
      return {
        x: stockX ?? (() => tf.conv2dTranspose(dy4, filter, x4.shape, strides, pad as 'same' | 'valid' | number, dimRoundingMode)),
        filter: () => conv2dFilterGradient(x4, dy4, filter.shape, strides, pad, dimRoundingMode),
      };
    },
  };
}

/** A Conv2DBackpropFilter kernel for `backendName` built from its own Slice/PadV2/Transpose/Conv2D kernels. */
export function conv2dFilterKernel(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as {
      strides: number | [number, number];
      pad: Pad;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode: RoundingMode;
      filterShape: [number, number, number, number];
    };
    if (a.dataFormat === 'NCHW') {
      throw new Error(`Conv2DBackpropFilter on '${backendName}' supports NHWC only; got NCHW: use channelsLast`);
    }
    const run = (name: string, ins: Record<string, TensorInfo>, at: Record<string, unknown>): TensorInfo => {
      const k = tf.getKernel(name, backendName);
      if (k === undefined) throw new Error(`backend '${backendName}' has no '${name}' kernel`);
      const out = k.kernelFunc({ inputs: ins, backend, attrs: at as NamedAttrMap });
      return Array.isArray(out) ? (out[0] as TensorInfo) : out;
    };
    const g = geometry(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
    const [b, h, w, c] = x.shape as [number, number, number, number];
    const temps: TensorInfo[] = [];
    let xs = x;
    if (g.cropH > 0 || g.cropW > 0) {
      xs = run('Slice', { x: xs }, { begin: [0, 0, 0, 0], size: [b, h - g.cropH, w - g.cropW, c] });
      temps.push(xs);
    }
    if (g.padTop + g.padBottom + g.padLeft + g.padRight > 0) {
      const paddings = [[0, 0], [g.padTop, g.padBottom], [g.padLeft, g.padRight], [0, 0]];
      xs = run('PadV2', { x: xs }, { paddings, constantValue: 0 });
      temps.push(xs);
    }
    const xt = run('Transpose', { x: xs }, { perm: [3, 1, 2, 0] });
    const dyt = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const r = run(
      'Conv2D',
      { x: xt, filter: dyt },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [g.strideH, g.strideW] },
    );
    temps.push(xt, dyt, r);
    const out = run('Transpose', { x: r }, { perm: [1, 2, 0, 3] });
    for (const t of temps) (backend as KernelBackend).disposeData(t.dataId);
    return out;
  };
  return { kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc };
}

/**
 * Install the conv2d filter gradient (idempotent, cumulative): on each of
 * `backends` (default cpu and wasm) the Conv2D gradient computes the filter
 * gradient as a dilated conv2d, and a Conv2DBackpropFilter kernel is added
 * where the backend has none. Other backends (tensorflow) keep the stock one.
 */
export function installConvGradient(backends: readonly string[] = CONV_GRADIENT_BACKENDS): void {
  if (!installed) {
    stockGradient = tf.getGradient('Conv2D');
    tf.registerGradient(conv2dGradient());
    installed = true;
  }
  for (const name of backends) {
    replaceOn.add(name);
    if (tf.getKernel('Conv2DBackpropFilter', name) === undefined) tf.registerKernel(conv2dFilterKernel(name));
  }
}

/** Whether the replacement filter gradient is used on `backend` (default: the active one). */
export function convGradientActive(backend: string = tf.getBackend()): boolean {
  return installed && replaceOn.has(backend);
}
