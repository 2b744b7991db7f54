/**
 * Where the channels are, and how to get one 2-d map (height x width) out of an
 * attribution. The layout names and the inference rule are the baselines' (src/baselines/space.ts):
 * per-example shapes [C, H, W] are 'NCHW', [H, W, C] 'NHWC' (inferred: the smaller end is the
 * channel axis, ties channels-first); a 2-d example [H, W] is one grey channel.
 */
import { inputSpace, type Layout } from '../engine/space.js';

export type { Layout };

export interface ImageDims {
  channels: number;
  height: number;
  width: number;
  layout: Layout;
}

/** Channels, height and width of one example of `shape` (per example, no batch axis). */
export function imageDims(shape: readonly number[], layout?: Layout): ImageDims {
  if (shape.length === 2 && (layout === undefined || layout === 'flat')) {
    return { channels: 1, height: shape[0], width: shape[1], layout: 'flat' };
  }
  if (shape.length !== 3) {
    throw new Error(`an image needs a per-example shape [C, H, W], [H, W, C] or [H, W], got [${shape.join(', ')}]`);
  }
  const resolved = inputSpace(shape, { layout }).layout;
  if (resolved === 'NCHW') return { channels: shape[0], height: shape[1], width: shape[2], layout: resolved };
  if (resolved === 'NHWC') return { channels: shape[2], height: shape[0], width: shape[1], layout: resolved };
  throw new Error(`layout ${resolved} is not an image layout for shape [${shape.join(', ')}]`);
}

/** Example `index` of a batch whose full shape is [n, ...perExample] (a view, not a copy). */
export function exampleOf<T extends Float32Array | Float64Array>(values: T, fullShape: readonly number[], index: number): T {
  const n = fullShape[0];
  if (!(Number.isInteger(index) && index >= 0 && index < n)) throw new Error(`example ${index} is out of range (batch of ${n})`);
  const per = fullShape.slice(1).reduce((a, b) => a * b, 1);
  if (values.length !== n * per) throw new Error(`values hold ${values.length} numbers but the shape [${fullShape.join(', ')}] needs ${n * per}`);
  return values.subarray(index * per, (index + 1) * per) as T;
}

/** Flat index of (channel c, row y, column x) in one example. */
export function indexOf(dims: ImageDims, c: number, y: number, x: number): number {
  return dims.layout === 'NHWC' ? (y * dims.width + x) * dims.channels + c : (c * dims.height + y) * dims.width + x;
}

/**
 * How channels are combined into one value per pixel:
 * 'sum' (the baselines article, signed: sum over channels, take |.| later if wanted),
 * 'sumAbs' (sum of absolute values), 'maxAbs' (largest magnitude, Simonyan et al.), 'l2' (Euclidean norm).
 */
export type ChannelReduction = 'sum' | 'sumAbs' | 'maxAbs' | 'l2';

export interface Map2d {
  width: number;
  height: number;
  /** height * width values, row by row. */
  data: Float32Array;
}

/** One value per pixel from a per-example attribution (same shape as the input). */
export function reduceChannels(values: ArrayLike<number>, dims: ImageDims, how: ChannelReduction = 'sum'): Map2d {
  const { channels, height, width } = dims;
  if (values.length !== channels * height * width) {
    throw new Error(`values hold ${values.length} numbers, expected ${channels} x ${height} x ${width}`);
  }
  const out = new Float32Array(height * width);
  for (let p = 0; p < height * width; p++) {
    const y = Math.floor(p / width);
    const x = p % width;
    let acc = 0;
    for (let c = 0; c < channels; c++) {
      const v = values[indexOf(dims, c, y, x)];
      if (how === 'sum') acc += v;
      else if (how === 'sumAbs') acc += Math.abs(v);
      else if (how === 'maxAbs') acc = Math.max(acc, Math.abs(v));
      else acc += v * v;
    }
    out[p] = how === 'l2' ? Math.sqrt(acc) : acc;
  }
  return { width, height, data: out };
}

/** Reorder one example to channels-last ([H, W, C]), e.g. to display it. */
export function toHWC(values: ArrayLike<number>, dims: ImageDims): Float32Array {
  if (dims.layout === 'NHWC' || dims.channels === 1) return Float32Array.from(values);
  const out = new Float32Array(values.length);
  const { channels, height, width } = dims;
  for (let c = 0; c < channels; c++) for (let p = 0; p < height * width; p++) out[p * channels + c] = values[c * height * width + p];
  return out;
}

/** Reorder one example from channels-last ([H, W, C]) to channels-first ([C, H, W]). */
export function toCHW(hwc: ArrayLike<number>, channels: number, height: number, width: number): Float32Array {
  const out = new Float32Array(hwc.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < height * width; p++) out[c * height * width + p] = hwc[p * channels + c];
  return out;
}
