/**
 * The kernels and gradients TensorFlow.js 4.22 lacks or gets wrong for input gradients
 * in Node (wasm and cpu backends), filled or fixed in one place.
 *
 * Importing this module registers them; `installTfjsFixes()` re-registers any that a
 * later import of tfjs-layers or @tensorflow/tfjs replaced (models call it before each
 * run). Every fix is checked against central finite differences on both backends in
 * kernels.test.ts; `TFJS_FIXES` lists them (for `inspect` and the docs).
 *
 * Kernels the wasm backend does not have (composed from wasm kernels where they sit on
 * the input-gradient path, delegated to the cpu backend's kernel where they do not):
 * - DepthwiseConv2dNativeBackpropInput: composed (zero insertion for strides, then a
 *   depthwise conv on the flipped filter).
 * - Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, UnsortedSegmentSum
 *   (gather's gradient): delegated to cpu. Input gradients do not need the first two
 *   once fused ops run unfused (unfused.ts); training on wasm does.
 * Kernels the wasm backend gets wrong:
 * - MaxPoolGrad (wrong with 2x2 windows, stride 2), Conv3DBackpropInputV2: delegated to cpu.
 * Kernels the wasm backend runs slowly (measured on MobileNetV2 input gradients):
 * - Identity copied its input, and every tensor the tape saves goes through it: it now
 *   shares the buffer (reference counted, as Reshape does).
 * - Conv2DBackpropInput: a forward Conv2D on the flipped, channel-swapped filter (after
 *   zero insertion when strided), which XNNPACK runs much faster than the stock loop.
 * - Slice copied its whole input out of the heap before slicing: it now reads in place.
 * - FusedBatchNorm (the inference forward): ~7x slower than x * a + b, which it now is.
 * Gradients wrong on both backends:
 * - AvgPool with SAME (or explicit) padding: the forward divides by the number of valid
 *   pixels in each window, the stock gradient by the window size.
 * - ResizeBilinear / ResizeNearestNeighbor: the stock gradients ignore half-pixel centres,
 *   and cpu's bilinear gradient swaps height and width on non-square images. Replaced by
 *   the exact transpose of the forward: the interpolation matrices are read off the
 *   backend's own forward kernel (resizing one-hot rows), so any convention matches.
 * - Conv2D / DepthwiseConv2dNative with dilations > 1: the stock gradients assert; the
 *   input gradient is now a forward conv (the weight gradient still throws).
 * Gradients that were wasteful:
 * - FusedBatchNorm: x - mean, dy * scale and a tiled 1/sqrt(var) were computed at full size
 *   before knowing which gradient is wanted; the x gradient is one broadcast multiply.
 * - Relu, Relu6, ClipByValue: built from boolean ops (GreaterEqual, LogicalAnd, Select),
 *   ~15x slower on wasm than Step; now from Step, with tfjs' threshold conventions.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers the stock gradients when it loads; ours must come after.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { comparisonGrads, gatherV2Grad, stridedSliceGrad, topKGrad } from './sliceGradients.js';
import type { GradConfig, KernelBackend, KernelConfig, NamedAttrMap, NamedTensorInfoMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

export interface TfjsFix {
  /** The kernel (or the forward kernel whose gradient is replaced). */
  kernel: string;
  kind: 'kernel' | 'gradient';
  /** Backends the kernel is registered for; gradients apply to every backend. */
  backends: string[];
  how: string;
}

// ---------------------------------------------------------------------------------------
// helpers

function asTensor(t: TensorInfo, what: string): Tensor {
  if (t instanceof tf.Tensor) return t;
  // Our kernels are only reached through the engine, which passes Tensors.
  throw new Error(`internal: ${what} was called with a bare TensorInfo; call it through tf.engine().runKernel`);
}

function runKernel(name: string, inputs: Record<string, Tensor>, attrs: object): Tensor {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as NamedAttrMap) as Tensor;
}

/** The cpu backend instance (initialised on first use, without its "install tfjs-node" notice). */
export function cpuBackend(): KernelBackend {
  const cpu = tf.findBackend('cpu');
  if (!cpu) throw new Error('the tfjs cpu backend is not registered (import @tensorflow/tfjs-backend-cpu)');
  // MathBackendCPU prints an advertisement for tfjs-node on its first write.
  const flags = cpu as unknown as { firstUse?: boolean };
  if (flags.firstUse) flags.firstUse = false;
  return cpu;
}

/**
 * A kernel function that runs the cpu backend's kernel on copies of the inputs and
 * writes the outputs back to the calling backend. For kernels off the hot path.
 */
function delegateToCpu(kernelName: string): KernelConfig['kernelFunc'] {
  return ({ inputs, attrs, backend: calling }) => {
    const backend = calling as KernelBackend;
    const cpu = cpuBackend();
    const cpuKernel = tf.getKernel(kernelName, 'cpu');
    if (!cpuKernel) throw new Error(`the cpu backend has no ${kernelName} kernel to delegate to`);
    const created: tf.DataId[] = [];
    const cpuInputs: NamedTensorInfoMap = {};
    for (const [key, t] of Object.entries(inputs)) {
      if (!t) continue;
      const values = backend.readSync(t.dataId) as tf.backend_util.BackendValues;
      const dataId = cpu.write(values, t.shape, t.dtype);
      created.push(dataId);
      cpuInputs[key] = { dataId, shape: t.shape, dtype: t.dtype };
    }
    try {
      const out = cpuKernel.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu });
      const outs = Array.isArray(out) ? out : [out];
      const results = outs.map((o) => {
        created.push(o.dataId);
        const values = cpu.readSync(o.dataId) as tf.backend_util.BackendValues;
        return { dataId: backend.write(values, o.shape, o.dtype), shape: o.shape, dtype: o.dtype };
      });
      return Array.isArray(out) ? results : results[0];
    } finally {
      for (const id of created) cpu.disposeData(id, true);
    }
  };
}

/** Pads (or, for negative amounts, crops) the two spatial axes of an NHWC tensor. */
function padOrCrop(x: Tensor, top: number, bottom: number, left: number, right: number): Tensor {
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = y.shape;
    const t = Math.max(0, -top), b = Math.max(0, -bottom), l = Math.max(0, -left), r = Math.max(0, -right);
    y = tf.slice(y, [0, t, l, 0], [n, h - t - b, w - l - r, c]);
  }
  const pt = Math.max(0, top), pb = Math.max(0, bottom), pl = Math.max(0, left), pr = Math.max(0, right);
  if (pt || pb || pl || pr) y = tf.pad(y, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  return y;
}

/**
 * Inserts stride - 1 zeros after every row and column of an NHWC tensor:
 * [n, h, w, c] -> [n, h * sh, w * sw, c] (the last sh - 1 rows and sw - 1 columns are
 * zeros too; the caller pads less, or crops, to account for them).
 */
function insertZeros(x: Tensor, sh: number, sw: number): Tensor {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const wide = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.reshape(wide, [n, h * sh, w * sw, c]);
}

/**
 * The input gradient of a (depthwise or ordinary) 2-D convolution as a forward, stride-1
 * convolution: dx = corr(pad(insertZeros(dy)), flip(filter)). `conv` receives the
 * zero-inserted dy and the padding to apply (negative amounts mean cropping) and runs
 * the correlation with the flipped filter.
 */
function backpropInputAsForwardConv(
  dy: Tensor,
  info: tf.backend_util.Conv2DInfo,
  conv: (padded: Tensor, top: number, bottom: number, left: number, right: number) => Tensor,
): Tensor {
  const { strideHeight: sh, strideWidth: sw } = info;
  const kh = info.effectiveFilterHeight, kw = info.effectiveFilterWidth;
  const u = insertZeros(dy, sh, sw);
  // dx[j] = sum_k u[j + pad - k d] w[k]: a correlation of u, padded by (K - 1) d - pad before
  // and so that the output has the input's size after, with the flipped filter
  const lh = (info.outHeight - 1) * sh + 1, lw = (info.outWidth - 1) * sw + 1; // u without its trailing zeros
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = info.inHeight + info.padInfo.top - lh - (sh - 1);
  const right = info.inWidth + info.padInfo.left - lw - (sw - 1);
  return conv(u, top, bottom, left, right);
}

// ---------------------------------------------------------------------------------------
// kernels

/** A filter [h, w, ...] rotated by 180 degrees in its spatial axes (1x1 filters as they are). */
function flipSpatially(filter: Tensor): Tensor {
  return filter.shape[0] === 1 && filter.shape[1] === 1 ? filter : tf.reverse(filter, [0, 1]);
}

/** Input gradient of a depthwise conv (any strides, dilations, multiplier), from tf ops. */
function depthwiseInputGradient(dy: Tensor, filter: Tensor, info: tf.backend_util.Conv2DInfo): Tensor {
  const [fh, fw, c, m] = filter.shape;
  const flipped = tf.reshape(flipSpatially(filter), [fh, fw, c * m, 1]) as tf.Tensor4D;
  const dx = backpropInputAsForwardConv(dy, info, (u, top, bottom, left, right) =>
    tf.depthwiseConv2d(padOrCrop(u, top, bottom, left, right) as tf.Tensor4D, flipped, 1, 'valid', 'NHWC',
      [info.dilationHeight, info.dilationWidth]),
  );
  if (m === 1) return dx;
  const [n, h, w] = dx.shape;
  return tf.sum(tf.reshape(dx, [n, h, w, c, m]), 4);
}

/** Input gradient of an NHWC conv2d (any strides, dilations), from tf ops. */
function convInputGradient(dy: Tensor, filter: Tensor, info: tf.backend_util.Conv2DInfo): Tensor {
  const flipped = tf.transpose(flipSpatially(filter), [0, 1, 3, 2]) as tf.Tensor4D;
  const dilations: [number, number] = [info.dilationHeight, info.dilationWidth];
  return backpropInputAsForwardConv(dy, info, (u, top, bottom, left, right) => {
    if (top >= 0 && bottom >= 0 && left >= 0 && right >= 0) {
      return tf.conv2d(u as tf.Tensor4D, flipped, 1, [[0, 0], [top, bottom], [left, right], [0, 0]], 'NHWC', dilations);
    }
    return tf.conv2d(padOrCrop(u, top, bottom, left, right) as tf.Tensor4D, flipped, 1, 'valid', 'NHWC', dilations);
  });
}

/** wasm: DepthwiseConv2dNativeBackpropInput, composed from Pad/Reshape/Reverse/DepthwiseConv2dNative. */
const depthwiseBackpropInput: KernelConfig['kernelFunc'] = ({ inputs, attrs }) => {
  const dy = asTensor(inputs.dy!, 'DepthwiseConv2dNativeBackpropInput');
  const filter = asTensor(inputs.filter!, 'DepthwiseConv2dNativeBackpropInput');
  const { strides, pad, dilations, dimRoundingMode, inputShape } = attrs as unknown as {
    strides: [number, number] | number; pad: Pad; dilations: [number, number] | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: [number, number, number, number];
  };
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, dilations ?? 1, pad, dimRoundingMode, true,
    );
    return depthwiseInputGradient(dy, filter, info);
  });
};

/**
 * wasm: Conv2DBackpropInput as a forward Conv2D on the flipped, channel-swapped filter
 * (NHWC); the stock kernel otherwise (NCHW).
 */
function conv2DBackpropInputFast(stock: KernelConfig['kernelFunc']): KernelConfig['kernelFunc'] {
  return (args) => {
    const { inputs, attrs } = args;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
      strides: [number, number] | number; pad: Pad; dataFormat?: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: [number, number, number, number];
    };
    if (dataFormat === 'NCHW') return stock(args);
    const dy = asTensor(inputs.dy!, 'Conv2DBackpropInput');
    const filter = asTensor(inputs.filter!, 'Conv2DBackpropInput');
    return tf.tidy(() => {
      const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
      return convInputGradient(dy, filter, info);
    });
  };
}

/** wasm: Identity sharing the input's buffer (the stock kernel copies it). */
function identityNoCopy(stock: KernelConfig['kernelFunc']): KernelConfig['kernelFunc'] {
  return (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string') return stock(args);
    (args.backend as KernelBackend & { incRef(id: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

type WasmLike = KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): tf.TypedArray;
};

/** Copies the slice `begin`/`size` of `x` (row-major, shape `shape`) into `out`, block by block. */
function copySlice(x: tf.TypedArray, shape: number[], begin: number[], size: number[], out: tf.TypedArray): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  // the innermost axes taken whole form one contiguous block with the first partial axis
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const block = size[k] * (k + 1 < rank ? strides[k] : 1);
  const outer = size.slice(0, k);
  const count = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(k).fill(0);
  let o = 0;
  for (let b = 0; b < count; b++) {
    let offset = begin[k] * (k + 1 < rank ? strides[k] : 1);
    for (let j = 0; j < k; j++) offset += (begin[j] + index[j]) * strides[j];
    out.set(x.subarray(offset, offset + block), o);
    o += block;
    for (let j = k - 1; j >= 0; j--) {
      if (++index[j] < outer[j]) break;
      index[j] = 0;
    }
  }
}

/** wasm: Slice reading the heap in place (the stock kernel first copies the whole input out). */
function sliceInPlace(stock: KernelConfig['kernelFunc']): KernelConfig['kernelFunc'] {
  return (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string') return stock(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [b, sz] = tf.slice_util.parseSliceParams(x, begin, size);
    const backend = args.backend as WasmLike;
    const out = backend.makeOutput(sz, x.dtype);
    if (tf.util.sizeFromShape(sz) === 0) return out;
    // views taken after makeOutput, which may grow (and so detach) the heap
    copySlice(backend.typedArrayFromHeap(x), x.shape, b, sz, backend.typedArrayFromHeap(out));
    return out;
  };
}

/**
 * wasm: FusedBatchNorm (inference) as x * a + b with per-channel a = scale / sqrt(var + eps)
 * and b = offset - mean * a: two vectorised passes, ~7x faster than the stock kernel.
 */
const batchNormAsMulAdd: KernelConfig['kernelFunc'] = ({ inputs, attrs }) => {
  const x = asTensor(inputs.x!, 'FusedBatchNorm');
  const mean = asTensor(inputs.mean!, 'FusedBatchNorm');
  const variance = asTensor(inputs.variance!, 'FusedBatchNorm');
  const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
  return tf.tidy(() => {
    let a: Tensor = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon ?? 0.001)));
    if (inputs.scale) a = tf.mul(a, asTensor(inputs.scale, 'FusedBatchNorm'));
    let b: Tensor = tf.neg(tf.mul(mean, a));
    if (inputs.offset) b = tf.add(b, asTensor(inputs.offset, 'FusedBatchNorm'));
    return tf.add(tf.mul(x, a), b);
  });
};

// ---------------------------------------------------------------------------------------
// gradients

/*
 * Relu, Relu6, ClipByValue with tfjs' threshold conventions (Relu: x > 0; Relu6: 0 < x <= 6;
 * Clip: min <= x <= max), built from Step, which wasm runs ~15x faster than the boolean
 * comparisons (GreaterEqual, LogicalAnd, Select) of the stock gradients.
 */
const reluGrad: GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as Tensor, tf.step(x)) }),
};
const relu6Grad: GradConfig = {
  kernelName: tf.Relu6,
  inputsToSave: ['x'],
  // step(x) - step(x - 6) is 1 on (0, 6], 0 elsewhere
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as Tensor, tf.sub(tf.step(x), tf.step(tf.sub(x, tf.scalar(6))))) }),
};
const clipByValueGrad: GradConfig = {
  kernelName: tf.ClipByValue,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => {
    const { clipValueMin: lo, clipValueMax: hi } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
    return {
      // 1 - step(lo - x) - step(x - hi) is 1 on [lo, hi], 0 elsewhere
      x: () => tf.mul(dy as Tensor, tf.sub(tf.sub(tf.scalar(1), tf.step(tf.sub(tf.scalar(lo), x))), tf.step(tf.sub(x, tf.scalar(hi))))),
    };
  },
};

/** AvgPool: exact gradient for every padding (the forward averages over valid pixels). */
const avgPoolGrad: GradConfig = {
  kernelName: tf.AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: [number, number] | number; strides: [number, number] | number; pad: Pad;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const dy4 = dy as Tensor;
    return {
      x: () => {
        if (pad === 'valid' || pad === 0) {
          return runKernel(tf.AvgPoolGrad, { dy: dy4, input: x }, { filterSize, strides, pad, dimRoundingMode });
        }
        const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
        const counts = new Float32Array(info.outHeight * info.outWidth);
        const rows = (i: number) => {
          const start = i * info.strideHeight - info.padInfo.top;
          return Math.min(info.inHeight, start + info.filterHeight) - Math.max(0, start);
        };
        const cols = (j: number) => {
          const start = j * info.strideWidth - info.padInfo.left;
          return Math.min(info.inWidth, start + info.filterWidth) - Math.max(0, start);
        };
        for (let i = 0; i < info.outHeight; i++) {
          for (let j = 0; j < info.outWidth; j++) counts[i * info.outWidth + j] = 1 / Math.max(1, rows(i) * cols(j));
        }
        const scaled = tf.mul(dy4, tf.tensor4d(counts, [1, info.outHeight, info.outWidth, 1]));
        const ones = tf.ones([info.filterHeight, info.filterWidth, info.inChannels, 1]);
        return runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: scaled, filter: ones }, {
          strides: [info.strideHeight, info.strideWidth], pad, dilations: 1, dimRoundingMode, inputShape: x.shape,
        });
      },
    };
  },
};

/**
 * Interpolation matrix of a 1-D resize, read off the active backend's forward kernel:
 * row r holds the weights of output row r over the input rows.
 */
const resizeMatrices = new Map<string, Float32Array>();
function resizeMatrix(kind: 'bilinear' | 'nearest', from: number, to: number, alignCorners: boolean, halfPixelCenters: boolean): Float32Array {
  const key = `${tf.getBackend()}|${kind}|${from}|${to}|${alignCorners}|${halfPixelCenters}`;
  let m = resizeMatrices.get(key);
  if (!m) {
    // channel c of the probe is the one-hot column e_c along the height axis
    m = tf.tidy(() => {
      const eye = tf.reshape(tf.eye(from), [1, from, 1, from]) as tf.Tensor4D;
      const out = kind === 'bilinear'
        ? tf.image.resizeBilinear(eye, [to, 1], alignCorners, halfPixelCenters)
        : tf.image.resizeNearestNeighbor(eye, [to, 1], alignCorners, halfPixelCenters);
      return out.dataSync() as Float32Array;
    });
    resizeMatrices.set(key, m);
    if (resizeMatrices.size > 64) resizeMatrices.delete(resizeMatrices.keys().next().value!);
  }
  return m;
}

function resizeGrad(kind: 'bilinear' | 'nearest', kernelName: string): GradConfig {
  return {
    kernelName,
    inputsToSave: ['images'],
    gradFunc: (dy, saved, attrs) => {
      const [images] = saved;
      const { alignCorners, halfPixelCenters } = attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean };
      return {
        images: () => {
          const [n, h, w, c] = images.shape;
          const [, toH, toW] = (dy as Tensor).shape;
          const my = tf.tensor2d(resizeMatrix(kind, h, toH, !!alignCorners, !!halfPixelCenters), [toH, h]);
          const mx = tf.tensor2d(resizeMatrix(kind, w, toW, !!alignCorners, !!halfPixelCenters), [toW, w]);
          // dx[n,i,j,c] = sum_{r,s} my[r,i] mx[s,j] dy[n,r,s,c]
          let t = tf.reshape(tf.transpose(dy as Tensor, [0, 3, 1, 2]), [n * c * toH, toW]);
          t = tf.matMul(t, mx); // [n c toH, w]
          t = tf.reshape(tf.transpose(tf.reshape(t, [n * c, toH, w]), [0, 2, 1]), [n * c * w, toH]);
          t = tf.matMul(t, my); // [n c w, h]
          return tf.transpose(tf.reshape(t, [n, c, w, h]), [0, 3, 2, 1]);
        },
      };
    },
  };
}

/** FusedBatchNorm: the same gradients, computed only when asked for. */
const fusedBatchNormGrad: GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved;
    const g = dy as Tensor;
    const inv = () => tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const scaleValue = () => (scale == null ? tf.scalar(1) : scale);
    const reductionAxes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: Tensor, like: Tensor) => tf.reshape(reductionAxes.length > 0 ? tf.sum(t, reductionAxes) : t, like.shape);
    return {
      x: () => tf.reshape(tf.mul(g, tf.mul(inv(), scaleValue())), x.shape),
      mean: () => reduce(tf.mul(g, tf.neg(tf.mul(inv(), scaleValue()))), mean),
      variance: () => {
        const r = inv();
        const minusHalfRCube = tf.mul(tf.mul(tf.mul(r, r), r), tf.scalar(-0.5));
        return reduce(tf.mul(tf.mul(g, tf.sub(x, mean)), tf.mul(minusHalfRCube, scaleValue())), variance);
      },
      scale: () => reduce(tf.mul(g, tf.mul(tf.sub(x, mean), inv())), scale ?? mean),
      offset: () => reduce(g, mean),
    };
  },
};

type ConvAttrs = {
  strides: [number, number] | number; pad: Pad; dilations?: [number, number] | number;
  dataFormat?: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil';
};
const isOne = (d: [number, number] | number | undefined) => d == null || (Array.isArray(d) ? d.every((v) => v === 1) : d === 1);
function noDilatedFilterGradient(op: string): never {
  throw new Error(`the weight gradient of a dilated ${op} is not implemented in TensorFlow.js (input gradients are)`);
}

/** Conv2D: the stock gradient, plus the input gradient of dilated convolutions (stock: an assertion). */
const conv2DGrad: GradConfig = {
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const { strides, pad, dilations, dataFormat, dimRoundingMode } = attrs as unknown as ConvAttrs;
    const g = dy as Tensor;
    if (isOne(dilations)) {
      return {
        x: () => runKernel(tf.Conv2DBackpropInput, { dy: g, filter }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape }),
        filter: () => runKernel(tf.Conv2DBackpropFilter, { x, dy: g }, { strides, pad, dataFormat, dimRoundingMode, filterShape: filter.shape }),
      };
    }
    if (dataFormat === 'NCHW') throw new Error('gradients of dilated NCHW convolutions are not implemented in TensorFlow.js');
    return {
      x: () => convInputGradient(g, filter, tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations!, pad, dimRoundingMode)),
      filter: () => noDilatedFilterGradient('conv2d'),
    };
  },
};

/** DepthwiseConv2dNative: the stock gradient, plus the input gradient of dilated convolutions. */
const depthwiseConv2dGrad: GradConfig = {
  kernelName: tf.DepthwiseConv2dNative,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as ConvAttrs;
    const g = dy as Tensor;
    if (isOne(dilations)) {
      const common = { strides, pad, dilations: 1, dimRoundingMode };
      return {
        x: () => runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: g, filter }, { ...common, inputShape: x.shape }),
        filter: () => runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: g }, { ...common, filterShape: filter.shape }),
      };
    }
    return {
      x: () => depthwiseInputGradient(g, filter, tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations!, pad, dimRoundingMode, true)),
      filter: () => noDilatedFilterGradient('depthwise conv2d'),
    };
  },
};

// ---------------------------------------------------------------------------------------
// registration

interface KernelFix extends TfjsFix {
  kind: 'kernel';
  make: (stock: KernelConfig | undefined) => KernelConfig['kernelFunc'];
}
interface GradientFix extends TfjsFix {
  kind: 'gradient';
  config: GradConfig;
}

const kernelFixes: KernelFix[] = [
  { kernel: tf.DepthwiseConv2dNativeBackpropInput, kind: 'kernel', backends: ['wasm'], how: 'missing; composed: zero insertion, pad, depthwise conv on the flipped filter', make: () => depthwiseBackpropInput },
  { kernel: tf.Conv2DBackpropFilter, kind: 'kernel', backends: ['wasm'], how: 'missing; delegated to the cpu kernel', make: () => delegateToCpu(tf.Conv2DBackpropFilter) },
  { kernel: tf.DepthwiseConv2dNativeBackpropFilter, kind: 'kernel', backends: ['wasm'], how: 'missing; delegated to the cpu kernel', make: () => delegateToCpu(tf.DepthwiseConv2dNativeBackpropFilter) },
  { kernel: tf.UnsortedSegmentSum, kind: 'kernel', backends: ['wasm'], how: "missing (gather's gradient); delegated to the cpu kernel", make: () => delegateToCpu(tf.UnsortedSegmentSum) },
  { kernel: tf.MaxPoolGrad, kind: 'kernel', backends: ['wasm'], how: 'wrong (2x2 windows, stride 2); delegated to the cpu kernel', make: () => delegateToCpu(tf.MaxPoolGrad) },
  { kernel: tf.Conv3DBackpropInputV2, kind: 'kernel', backends: ['wasm'], how: 'wrong; delegated to the cpu kernel', make: () => delegateToCpu(tf.Conv3DBackpropInputV2) },
  { kernel: tf.Identity, kind: 'kernel', backends: ['wasm'], how: 'copied its input (every tensor the tape saves); now shares the buffer', make: (stock) => identityNoCopy(stock!.kernelFunc) },
  { kernel: tf.Conv2DBackpropInput, kind: 'kernel', backends: ['wasm'], how: 'slow; a forward Conv2D on the flipped filter (NHWC)', make: (stock) => conv2DBackpropInputFast(stock!.kernelFunc) },
  { kernel: tf.Slice, kind: 'kernel', backends: ['wasm'], how: 'copied its whole input out of the heap first; now reads it in place', make: (stock) => sliceInPlace(stock!.kernelFunc) },
  { kernel: tf.FusedBatchNorm, kind: 'kernel', backends: ['wasm'], how: 'slow (~7x a multiply-add); x * a + b with per-channel a, b', make: () => batchNormAsMulAdd },
];

const gradientFixes: GradientFix[] = [
  { kernel: tf.Relu, kind: 'gradient', backends: ['all'], how: 'cast (a copy on wasm), step, multiply; now step, multiply', config: reluGrad },
  { kernel: tf.Relu6, kind: 'gradient', backends: ['all'], how: 'boolean ops, slow on wasm; now from step', config: relu6Grad },
  { kernel: tf.ClipByValue, kind: 'gradient', backends: ['all'], how: 'five ops, three boolean (slow on wasm); now from step', config: clipByValueGrad },
  { kernel: tf.AvgPool, kind: 'gradient', backends: ['all'], how: 'wrong with SAME padding; divides by the valid pixels of each window, as the forward does', config: avgPoolGrad },
  { kernel: tf.ResizeBilinear, kind: 'gradient', backends: ['all'], how: 'ignored half-pixel centres (cpu: swapped height and width); exact transpose of the forward', config: resizeGrad('bilinear', tf.ResizeBilinear) },
  { kernel: tf.ResizeNearestNeighbor, kind: 'gradient', backends: ['all'], how: 'ignored half-pixel centres; exact transpose of the forward', config: resizeGrad('nearest', tf.ResizeNearestNeighbor) },
  { kernel: tf.Conv2D, kind: 'gradient', backends: ['all'], how: 'asserted dilation 1; dilated input gradients as a forward conv', config: conv2DGrad },
  { kernel: tf.DepthwiseConv2dNative, kind: 'gradient', backends: ['all'], how: 'asserted dilation 1; dilated input gradients as a forward depthwise conv', config: depthwiseConv2dGrad },
  { kernel: tf.StridedSlice, kind: 'gradient', backends: ['all'], how: 'had none (detector decoding heads); dy scattered back to the positions the slice read', config: stridedSliceGrad },
  { kernel: tf.GatherV2, kind: 'gradient', backends: ['all'], how: 'returned int32 indices as their gradient (refused when computed indices lie on the path); now zeros', config: gatherV2Grad },
  { kernel: tf.TopK, kind: 'gradient', backends: ['all'], how: 'had none (detectors keep their top-k detections); dy of the values scattered back to their positions', config: topKGrad },
  ...comparisonGrads.map((config) => ({ kernel: config.kernelName, kind: 'gradient' as const, backends: ['all'], how: 'had none; a comparison is piecewise constant: zero', config })),
  { kernel: tf.FusedBatchNorm, kind: 'gradient', backends: ['all'], how: 'computed every full-size term eagerly; now lazily, x gradient in one multiply', config: fusedBatchNormGrad },
];

/** What this module changes in tfjs, for `inspect` and the README. */
export const TFJS_FIXES: readonly TfjsFix[] = [...kernelFixes, ...gradientFixes].map(({ kernel, kind, backends, how }) => ({ kernel, kind, backends, how }));

const installed = new Map<string, KernelConfig['kernelFunc']>();

/**
 * Register the kernel and gradient fixes (idempotent; cheap enough to call before every
 * run, which re-installs anything a later tfjs import overwrote).
 */
export function installTfjsFixes(): void {
  for (const fix of kernelFixes) {
    for (const backendName of fix.backends) {
      const key = `${backendName}|${fix.kernel}`;
      const current = tf.getKernel(fix.kernel, backendName);
      if (current && installed.get(key) === current.kernelFunc) continue;
      const kernelFunc = fix.make(current);
      if (current) tf.unregisterKernel(fix.kernel, backendName);
      // keep the stock setupFunc/disposeFunc: the stock kernel may be called from ours
      tf.registerKernel({ ...(current ?? {}), kernelName: fix.kernel, backendName, kernelFunc });
      installed.set(key, kernelFunc);
    }
  }
  for (const fix of gradientFixes) {
    if (tf.getGradient(fix.kernel) !== fix.config) tf.registerGradient(fix.config);
  }
}

installTfjsFixes();
