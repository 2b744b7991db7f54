/**
 * The input space of a model: layout (where the channels are), preprocessing
 * (pixel = raw value, model input = (pixel - mean) / std per channel) and the valid
 * range. Baselines are defined in PIXEL space ("black" is pixel value 0 in every
 * channel) and converted to the model's space here, so a black baseline stays black
 * after normalisation instead of becoming "zero after normalisation" (a grey-ish
 * colour that differs per channel).
 */
import type { Model } from './model.js';
import { sizeOfShape } from './model.js';

/** Per-example layout: channels first (CHW, C L, ...), channels last (HWC), or no channels. */
export type Layout = 'NCHW' | 'NHWC' | 'flat';

export interface Preprocessing {
  /**
   * Default: inferred from the shape. 3-d and 4-d examples: the smaller end is the channel
   * axis ([3, 224, 224]: NCHW; [224, 224, 3]: NHWC; ties: NCHW). Others: flat (no channels).
   */
  layout?: Layout;
  /** Range of raw pixel values before normalisation, e.g. [0, 1] or [0, 255]. Default [0, 1]. */
  pixelRange?: readonly [number, number];
  /** Per-channel mean (or one value for all channels) subtracted from pixels. Default 0. */
  mean?: number | readonly number[];
  /** Per-channel standard deviation (or one value) dividing pixels. Default 1. */
  std?: number | readonly number[];
}

export interface InputSpace {
  /** Shape of one example. */
  readonly shape: readonly number[];
  readonly size: number;
  readonly layout: Layout;
  readonly channels: number;
  readonly pixelRange: readonly [number, number];
  readonly mean: Float64Array;
  readonly std: Float64Array;
  /** Whether the range was given (by preprocessing or the model); otherwise pixels are assumed in [0, 1]. */
  readonly rangeKnown: boolean;
  /** Valid range of each element of one example, in model space. */
  readonly lower: Float32Array;
  readonly upper: Float32Array;
  /** Channel of element i of one example. */
  channelOf(i: number): number;
  /** Pixel value -> model value for channel c. */
  toModelValue(pixel: number, channel: number): number;
  /** Pixels (any number of examples) -> model space, in a new array. */
  toModel(pixels: Float32Array): Float32Array;
  /** Model space -> pixels, in a new array. */
  toPixels(values: Float32Array): Float32Array;
  /** Spatial extents and strides (for blur); channels excluded. */
  readonly spatial: { dims: number[]; strides: number[]; channelStride: number };
}

/** The layout an example shape implies (what inputSpace infers without preprocessing), without building the space. */
export function inferLayout(shape: readonly number[]): Layout {
  // 3-d or 4-d (images, volumes): the channel axis is the smaller of the two ends (ties: channels first)
  if (shape.length === 3 || shape.length === 4) return shape[0] <= shape[shape.length - 1] ? 'NCHW' : 'NHWC';
  return 'flat';
}

function perChannel(value: number | readonly number[] | undefined, channels: number, fallback: number, what: string): Float64Array {
  if (value === undefined) return new Float64Array(channels).fill(fallback);
  if (typeof value === 'number') return new Float64Array(channels).fill(value);
  if (value.length === 1) return new Float64Array(channels).fill(value[0]);
  if (value.length !== channels) throw new Error(`preprocessing ${what} has ${value.length} values but the input has ${channels} channels`);
  return Float64Array.from(value);
}

/**
 * The input space of a model (or of a shape), from explicit preprocessing, else the
 * model's `inputRange` (taken as the pixel range, no normalisation), else pixels in
 * [0, 1] with no normalisation (`rangeKnown` false).
 */
export function inputSpace(modelOrShape: Model | readonly number[], preprocessing?: Preprocessing): InputSpace {
  const isShape = Array.isArray(modelOrShape);
  const shape = isShape ? (modelOrShape as readonly number[]) : (modelOrShape as Model).inputShape;
  const modelRange = isShape ? undefined : (modelOrShape as Model).inputRange;
  const layout = preprocessing?.layout ?? inferLayout(shape);
  if (layout !== 'flat' && shape.length < 2) throw new Error(`layout ${layout} needs at least 2 dimensions per example, got [${shape.join(', ')}]`);
  const channels = layout === 'NCHW' ? shape[0] : layout === 'NHWC' ? shape[shape.length - 1] : 1;
  const size = sizeOfShape(shape);
  const rangeKnown = preprocessing?.pixelRange !== undefined || modelRange !== undefined;
  const pixelRange: [number, number] = [...(preprocessing?.pixelRange ?? modelRange ?? [0, 1])] as [number, number];
  if (!(pixelRange[0] < pixelRange[1])) throw new Error(`pixel range [${pixelRange.join(', ')}] must have min < max`);
  const mean = perChannel(preprocessing?.mean, channels, 0, 'mean');
  const std = perChannel(preprocessing?.std, channels, 1, 'std');
  if (std.some((s) => !(s > 0))) throw new Error('preprocessing std values must be > 0');

  const spatialDims = layout === 'NCHW' ? shape.slice(1) : layout === 'NHWC' ? shape.slice(0, -1) : [...shape];
  const channelStride = layout === 'NCHW' ? sizeOfShape(spatialDims) : 1;
  const strides: number[] = new Array(spatialDims.length);
  let s = layout === 'NHWC' ? channels : 1;
  for (let k = spatialDims.length - 1; k >= 0; k--) {
    strides[k] = s;
    s *= spatialDims[k];
  }
  const channelOf =
    layout === 'NCHW' ? (i: number) => Math.floor((i % size) / channelStride) : layout === 'NHWC' ? (i: number) => i % channels : () => 0;
  const toModelValue = (pixel: number, c: number) => (pixel - mean[c]) / std[c];
  const lower = new Float32Array(size);
  const upper = new Float32Array(size);
  for (let c = 0; c < channels; c++) {
    const lo = toModelValue(pixelRange[0], c);
    const hi = toModelValue(pixelRange[1], c);
    // channel planes (NCHW), every channels-th element (NHWC), or the whole example (flat)
    if (layout === 'NHWC') {
      for (let i = c; i < size; i += channels) {
        lower[i] = lo;
        upper[i] = hi;
      }
    } else {
      const [from, to] = layout === 'NCHW' ? [c * channelStride, (c + 1) * channelStride] : [0, size];
      lower.fill(lo, from, to);
      upper.fill(hi, from, to);
    }
  }
  return {
    shape: [...shape],
    size,
    layout,
    channels,
    pixelRange,
    mean,
    std,
    rangeKnown,
    lower,
    upper,
    channelOf,
    toModelValue,
    toModel: (pixels) => Float32Array.from(pixels, (p, i) => toModelValue(p, channelOf(i))),
    toPixels: (values) => Float32Array.from(values, (v, i) => v * std[channelOf(i)] + mean[channelOf(i)]),
    spatial: { dims: spatialDims, strides, channelStride },
  };
}

/** The space itself, or the space of a model / shape. */
export function asSpace(space: InputSpace | Model | readonly number[], preprocessing?: Preprocessing): InputSpace {
  if (!Array.isArray(space) && 'lower' in (space as object)) return space as InputSpace;
  return inputSpace(space as Model | readonly number[], preprocessing);
}

export function requireRange(space: InputSpace, what: string): void {
  if (!space.rangeKnown) {
    throw new Error(
      `the ${what} baseline needs the valid input range: pass preprocessing ({ pixelRange, mean, std }) ` +
        'or load the model with inputRange',
    );
  }
}
