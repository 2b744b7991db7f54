/**
 * Backward rules of data movement: Concat, Split, Slice, Reshape-likes, Transpose, Pad,
 * Resize/Upsample, Gather, Expand, Tile, DepthToSpace, SpaceToDepth.
 *
 * Everything here is linear in the data, and the static shapes make every index map
 * known at build time. Ops that are separable per axis (Resize in every mode, Pad in
 * reflect/edge/wrap mode) are differentiated with one small constant matrix per axis:
 * if y = A x along an axis (A: [out, in]), then dx = A^T dy along that axis, one MatMul.
 * The Resize matrices follow onnxruntime's CPU kernels, including float32 rounding of the
 * coordinate transforms, so nearest-neighbour picks and extrapolated points match exactly.
 */
import type { DType, Node } from '../ir.js';
import { attrFloat, attrFloats, attrInt, attrInts, attrString, sizeOf, tensorNumbers } from '../ir.js';
import type { BackwardRule, GradContext, RuleSet } from '../autodiff.js';
import { floatConstant, sliceStatic } from './pool.js';

const BIG = 2 ** 62;

/** Static integers of a constant input (or undefined when the input is omitted). */
function constInts(ctx: GradContext, node: Node, k: number, what: string): number[] | undefined {
  const name = node.inputs[k];
  if (!name) return undefined;
  const v = ctx.constantValue(name);
  if (!v) throw new Error(`the ${what} input '${name}' of ${node.opType} node '${node.name}' must be a constant for its backward`);
  return tensorNumbers(v);
}

const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);
const none = (node: Node) => node.inputs.slice(1).map(() => undefined);

/**
 * dX = A^T dY along `axis`, where the forward op maps x to y = A x along that axis (A: [outLen, inLen], row-major).
 * `shape` is dY's shape; the result has shape[axis] = inLen.
 */
export function axisMatrixBackward(
  ctx: GradContext,
  dY: string,
  shape: number[],
  axis: number,
  A: Float64Array,
  inLen: number,
  dtype: DType,
): string {
  const outLen = shape[axis];
  const rank = shape.length;
  if (outLen === inLen) {
    let identity = true;
    for (let o = 0; o < outLen && identity; o++) for (let i = 0; i < inLen; i++) if (A[o * inLen + i] !== (o === i ? 1 : 0)) identity = false;
    if (identity) return dY;
  }
  if (axis === rank - 1) return ctx.op('MatMul', [dY, floatConstant(ctx, A, [outLen, inLen], dtype, 'axis_matrix')]);
  const At = new Float64Array(inLen * outLen);
  for (let o = 0; o < outLen; o++) for (let i = 0; i < inLen; i++) At[i * outLen + o] = A[o * inLen + i];
  const AtConst = floatConstant(ctx, At, [inLen, outLen], dtype, 'axis_matrix');
  if (axis === rank - 2) return ctx.op('MatMul', [AtConst, dY]);
  // move the axis to the second-to-last place, contract, move it back
  const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis && i !== rank - 1);
  perm.push(axis, rank - 1);
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  const moved = ctx.op('Transpose', [dY], { perm });
  return ctx.op('Transpose', [ctx.op('MatMul', [AtConst, moved])], { perm: inverse });
}

// --- reshape-likes, transpose ---------------------------------------------------

const reshapeBack: BackwardRule = (node, [dY], ctx) => [ctx.reshape(dY!, ctx.shape(node.inputs[0])), ...none(node)];

export const transpose: BackwardRule = (node, [dY], ctx) => {
  const rank = ctx.shape(node.inputs[0]).length;
  const perm = attrInts(node, 'perm', Array.from({ length: rank }, (_, i) => rank - 1 - i));
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  return [ctx.op('Transpose', [dY!], { perm: inverse })];
};

export const expand: BackwardRule = (node, [dY], ctx) => [
  ctx.unbroadcast(dY!, ctx.shape(node.outputs[0]), ctx.shape(node.inputs[0])),
  undefined,
];

/** Tile: output axis i is [repeats_i, x_i] interleaved; sum over the repeats. */
export const tile: BackwardRule = (node, [dY], ctx) => {
  const xShape = ctx.shape(node.inputs[0]);
  const yShape = ctx.shape(node.outputs[0]);
  const repeats = yShape.map((d, i) => (xShape[i] === 0 ? 1 : d / xShape[i]));
  if (repeats.every((r) => r === 1)) return [dY, ...none(node)];
  const split = xShape.flatMap((d, i) => [repeats[i], d]);
  const summed = ctx.reduceSum(ctx.reshape(dY!, split), xShape.map((_, i) => 2 * i), false);
  return [ctx.reshape(summed, xShape), ...none(node)];
};

/** DepthToSpace / SpaceToDepth are reshape -> transpose -> reshape; undo each step. */
function blockShuffle(node: Node, ctx: GradContext): { mid: number[]; perm: number[] } {
  const [n, c, h, w] = ctx.shape(node.inputs[0]);
  const b = attrInt(node, 'blocksize');
  if (b === undefined) throw new Error(`${node.opType} node '${node.name}' has no blocksize`);
  if (node.opType === 'SpaceToDepth') return { mid: [n, c, h / b, b, w / b, b], perm: [0, 3, 5, 1, 2, 4] };
  if (attrString(node, 'mode', 'DCR') === 'CRD') return { mid: [n, c / (b * b), b, b, h, w], perm: [0, 1, 4, 2, 5, 3] };
  return { mid: [n, b, b, c / (b * b), h, w], perm: [0, 3, 4, 1, 5, 2] };
}

export const depthSpace: BackwardRule = (node, [dY], ctx) => {
  const { mid, perm } = blockShuffle(node, ctx);
  const permuted = perm.map((p) => mid[p]);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  const back = ctx.op('Transpose', [ctx.reshape(dY!, permuted)], { perm: inverse });
  return [ctx.reshape(back, ctx.shape(node.inputs[0]))];
};

// --- concat, split, slice ------------------------------------------------------------

export const concat: BackwardRule = (node, [dY], ctx) => {
  const rank = ctx.shape(node.outputs[0]).length;
  const axis = normAxis(attrInt(node, 'axis', 0), rank);
  const sizes = node.inputs.map((x) => ctx.shape(x)[axis]);
  const wanted = node.inputs.map((x) => ctx.needsGrad(x));
  if (sizes.every((s) => s > 0) && wanted.filter(Boolean).length > 1) {
    const pieces = ctx.split(dY!, axis, sizes);
    return pieces.map((p, k) => (wanted[k] ? p : undefined));
  }
  let offset = 0;
  return node.inputs.map((_, k) => {
    const start = offset;
    offset += sizes[k];
    return wanted[k] ? sliceStatic(ctx, dY!, [start], [start + sizes[k]], [axis]) : undefined;
  });
};

export const split: BackwardRule = (node, dYs, ctx) => {
  const x = node.inputs[0];
  const rank = ctx.shape(x).length;
  const axis = normAxis(attrInt(node, 'axis', 0), rank);
  const pieces = node.outputs.map((o, k) => dYs[k] ?? ctx.zeros(ctx.shape(o), ctx.dtype(x)));
  return [pieces.length === 1 ? pieces[0] : ctx.op('Concat', pieces, { axis }), ...none(node)];
};

export const slice: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(node.outputs[0]);
  const rank = xShape.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset >= 10) {
    starts = constInts(ctx, node, 1, 'starts')!;
    ends = constInts(ctx, node, 2, 'ends')!;
    axes = constInts(ctx, node, 3, 'axes');
    steps = constInts(ctx, node, 4, 'steps');
  } else {
    starts = attrInts(node, 'starts', []);
    ends = attrInts(node, 'ends', []);
    axes = attrInts(node, 'axes');
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  // first selected index and stride per axis (ONNX clamping rules)
  const first = new Array<number>(rank).fill(0);
  const stride = new Array<number>(rank).fill(1);
  axes.forEach((a0, i) => {
    const a = normAxis(a0, rank);
    const dim = xShape[a];
    const step = steps![i];
    let s = starts[i];
    if (s < 0) s += dim;
    s = step > 0 ? Math.min(Math.max(s, 0), dim) : Math.min(Math.max(s, 0), dim - 1);
    first[a] = s;
    stride[a] = step;
  });
  if (sizeOf(yShape) === 0) return [ctx.zeros(xShape, ctx.dtype(x)), ...none(node)];
  // a block along one axis: a piece, assembled with the tensor's other pieces (autodiff)
  // (or every step-th element from an offset below the step to the end: patch merging's x[0::2])
  const cut = xShape.map((_, a) => a).filter((a) => yShape[a] !== xShape[a]);
  const a0 = cut[0];
  const onlyCut = cut.length === 1 && stride.every((st, a) => st === 1 || a === a0);
  if (onlyCut && stride[a0] === 1) {
    if (ctx.needsGrad(x)) ctx.placePiece(x, a0, first[a0], yShape[a0], dY!);
    return [undefined, ...none(node)];
  }
  if (onlyCut && stride[a0] > 1 && xShape[a0] % stride[a0] === 0 && first[a0] < stride[a0] && yShape[a0] === xShape[a0] / stride[a0]) {
    if (ctx.needsGrad(x)) ctx.placePiece(x, a0, first[a0], yShape[a0], dY!, stride[a0]);
    return [undefined, ...none(node)];
  }
  let g = dY!;
  const cur = [...yShape];
  // 1. negative steps: reverse those axes, then they select upwards from the lowest index
  const negative = stride.map((s, a) => (s < 0 ? a : -1)).filter((a) => a >= 0);
  if (negative.length) {
    g = ctx.slice(g, negative.map(() => -1), negative.map(() => -BIG), negative, negative.map(() => -1));
    for (const a of negative) {
      first[a] = first[a] + (cur[a] - 1) * stride[a];
      stride[a] = -stride[a];
    }
  }
  // 2. steps > 1: interleave step-1 zeros after every element
  for (let a = 0; a < rank; a++) {
    if (stride[a] === 1 || cur[a] === 1) continue;
    const n = cur[a];
    const withAxis = [...cur.slice(0, a + 1), 1, ...cur.slice(a + 1)];
    const pads = new Array<number>(2 * (rank + 1)).fill(0);
    pads[rank + 1 + a + 1] = stride[a] - 1;
    g = ctx.pad(ctx.reshape(g, withAxis), pads);
    cur[a] = n * stride[a];
    g = ctx.reshape(g, cur);
  }
  // 3. place the block at `first`, zeros around it (crop interleaved zeros that run past the end)
  const ends2 = cur.map((c, a) => xShape[a] - first[a] - c);
  const crop = ends2.map((e, a) => (e < 0 ? a : -1)).filter((a) => a >= 0);
  if (crop.length) {
    g = sliceStatic(ctx, g, crop.map(() => 0), crop.map((a) => cur[a] + ends2[a]), crop);
    for (const a of crop) {
      cur[a] += ends2[a];
      ends2[a] = 0;
    }
  }
  if (first.some((f) => f !== 0) || ends2.some((e) => e !== 0)) g = ctx.pad(g, [...first, ...ends2]);
  return [g, ...none(node)];
};

// --- pad ------------------------------------------------------------------------------

/** Source index along one axis for output position o of a non-constant Pad. */
function padSource(mode: string, o: number, begin: number, n: number): number {
  let i = o - begin;
  if (mode === 'edge') return Math.min(Math.max(i, 0), n - 1);
  if (mode === 'wrap') return ((i % n) + n) % n;
  // reflect (mirror without repeating the edge)
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

export const pad: BackwardRule = (node, [dY], ctx) => {
  const [x, , constantValue] = node.inputs;
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(node.outputs[0]);
  const rank = xShape.length;
  const mode = attrString(node, 'mode', 'constant');
  let padList: number[];
  let axes = Array.from({ length: rank }, (_, i) => i);
  if (ctx.opset >= 11) {
    padList = constInts(ctx, node, 1, 'pads')!;
    const a = constInts(ctx, node, 3, 'axes');
    if (a) axes = a.map((v) => normAxis(v, rank));
  } else {
    padList = attrInts(node, 'pads', []);
  }
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = padList[i];
    end[a] = padList[i + axes.length];
  });
  const dtype = ctx.dtype(x);
  let dX: string | undefined;
  if (mode === 'constant') {
    // the input occupies [begin, begin + n) of the output (negative pads crop the input)
    let g = dY!;
    const lo = begin.map((b) => Math.max(b, 0));
    const hi = yShape.map((d, a) => d - Math.max(end[a], 0));
    const cropped = lo.some((l) => l > 0) || hi.some((h, a) => h < yShape[a]);
    if (cropped) g = sliceStatic(ctx, g, lo, hi, yShape.map((_, a) => a));
    const refill = [...begin.map((b) => Math.max(-b, 0)), ...end.map((e) => Math.max(-e, 0))];
    if (refill.some((p) => p > 0)) g = ctx.pad(g, refill);
    dX = g;
  } else if (mode === 'reflect' || mode === 'edge' || mode === 'wrap') {
    let g = dY!;
    const cur = [...yShape];
    for (let a = 0; a < rank; a++) {
      if (begin[a] === 0 && end[a] === 0) continue;
      const n = xShape[a];
      const out = cur[a];
      const A = new Float64Array(out * n);
      for (let o = 0; o < out; o++) A[o * n + padSource(mode, o, begin[a], n)] = 1;
      g = axisMatrixBackward(ctx, g, cur, a, A, n, dtype);
      cur[a] = n;
    }
    dX = g;
  } else {
    throw new Error(`Pad mode '${mode}' has no backward rule`);
  }
  let dC: string | undefined;
  if (constantValue && ctx.needsGrad(constantValue)) {
    if (mode !== 'constant') dC = ctx.zeros(ctx.shape(constantValue), dtype);
    else {
      // every output element not copied from the input is the constant
      const all = (t: string, r: number) => ctx.reduceSum(t, Array.from({ length: r }, (_, i) => i), false);
      dC = ctx.reshape(ctx.op('Sub', [all(dY!, rank), all(dX, rank)]), ctx.shape(constantValue));
    }
  }
  return [ctx.needsGrad(x) ? dX : undefined, undefined, dC, undefined];
};

// --- gather ---------------------------------------------------------------------------

export const gather: BackwardRule = (node, [dY], ctx) => {
  const [x, indices] = node.inputs;
  if (!ctx.needsGrad(x)) return [undefined, undefined];
  const xShape = ctx.shape(x);
  const rank = xShape.length;
  const axis = normAxis(attrInt(node, 'axis', 0), rank);
  const n = xShape[axis];
  const idxShape = ctx.shape(indices);
  const m = sizeOf(idxShape);
  const pre = xShape.slice(0, axis);
  const post = xShape.slice(axis + 1);
  const dtype = ctx.dtype(x);
  const flatShape = [...pre, m, ...post];
  const known = ctx.constantValue(indices);
  // constant consecutive indices (qkv[0], qkv[1], qkv[2]) select a block: a piece (autodiff assembles them)
  const picked = known ? tensorNumbers(known).map((v) => (v < 0 ? v + n : v)) : [];
  if (known && m > 0 && picked.every((v, i) => v === picked[0] + i)) {
    ctx.placePiece(x, axis, picked[0], m, ctx.reshape(dY!, flatShape));
    return [undefined, undefined];
  }
  const g = ctx.reshape(dY!, flatShape);
  if (ctx.opset >= 16) {
    // ScatterND(add) along the gathered axis, moved to the front
    let idx: string;
    if (known) idx = ctx.constant({ dtype: 'int64', dims: [m, 1], data: BigInt64Array.from(tensorNumbers(known), (v) => BigInt(v < 0 ? v + n : v)) }, 'gather_idx');
    else {
      const i64 = ctx.dtype(indices) === 'int64' ? indices : ctx.op('Cast', [indices], { to: 7 });
      const zero = ctx.scalar(0, 'int64');
      const wrapped = ctx.op('Where', [ctx.op('Less', [i64, zero]), ctx.op('Add', [i64, ctx.scalar(n, 'int64')]), i64]);
      idx = ctx.reshape(wrapped, [m, 1]);
    }
    const perm = [axis, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)];
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => (inverse[p] = i));
    const front = axis === 0 ? g : ctx.op('Transpose', [g], { perm });
    const zeros = ctx.zeros([n, ...pre, ...post], dtype);
    const scattered = ctx.op('ScatterND', [zeros, idx, front], { reduction: 'add' });
    return [axis === 0 ? scattered : ctx.op('Transpose', [scattered], { perm: inverse }), undefined];
  }
  // before opset 16: a one-hot matrix along the axis (constant indices only)
  if (!known) throw new Error(`the backward of Gather with non-constant indices needs opset >= 13 (this model: ${ctx.opset})`);
  const A = new Float64Array(m * n);
  tensorNumbers(known).forEach((v, o) => (A[o * n + (v < 0 ? v + n : v)] = 1));
  return [axisMatrixBackward(ctx, g, flatShape, axis, A, n, dtype), undefined];
};

// --- resize ---------------------------------------------------------------------------

const f32 = Math.fround;

type CoordinateTransform = (x: number, scale: number, outLen: number, inLen: number, roiStart: number, roiEnd: number) => number;

/** onnxruntime's coordinate transforms (upsamplebase.h), with its float32 arithmetic. */
function coordinateTransform(mode: string): CoordinateTransform {
  switch (mode) {
    case 'asymmetric':
      return (x, s) => f32(x / s);
    case 'pytorch_half_pixel':
      return (x, s, L) => (L > 1 ? f32(f32(f32(x + 0.5) / s) - 0.5) : 0);
    case 'tf_half_pixel_for_nn':
      return (x, s) => f32(f32(x + 0.5) / s);
    case 'align_corners':
      return (x, _s, L, L0) => (L === 1 ? 0 : f32(f32(x * (L0 - 1)) / (L - 1)));
    case 'tf_crop_and_resize':
      return (x, _s, L, L0, rs, re) =>
        L > 1 ? f32(f32(rs * (L0 - 1)) + f32(f32(f32(x * f32(re - rs)) * (L0 - 1)) / (L - 1))) : f32(0.5 * f32(rs + re) * (L0 - 1));
    case 'half_pixel_symmetric':
      return (x, s, L, L0) => {
        const adjustment = f32(L / f32(s * L0));
        const offset = f32(f32(L0 / 2) * f32(1 - adjustment));
        return f32(offset + (x + 0.5) / s - 0.5);
      };
    case 'half_pixel':
      return (x, s) => f32(f32(f32(x + 0.5) / s) - 0.5);
    default:
      throw new Error(`Resize coordinate_transformation_mode '${mode}' is not supported`);
  }
}

/** C's std::round: halves away from zero. */
const roundAway = (v: number) => Math.sign(v) * Math.round(Math.abs(v));

function nearestPixel(mode: string): (v: number, down: boolean) => number {
  switch (mode) {
    case '': // Upsample and Resize-10
      return (v, down) => (down ? Math.ceil(v) : Math.trunc(v));
    case 'round_prefer_ceil':
      return (v) => roundAway(v);
    case 'floor':
      return (v) => Math.floor(v);
    case 'ceil':
      return (v) => Math.ceil(v);
    case 'round_prefer_floor':
      return (v) => (v === f32(Math.trunc(v) + 0.5) ? Math.floor(v) : roundAway(v));
    default:
      throw new Error(`Resize nearest_mode '${mode}' is not supported`);
  }
}

function cubicCoefficients(s: number, a: number): number[] {
  const t = Math.abs(s);
  return [
    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
    ((a + 2) * t - (a + 3)) * t * t + 1,
    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
  ];
}

export interface ResizeAxis {
  inLen: number;
  outLen: number;
  /** float32 scale onnxruntime uses for this axis */
  scale: number;
  roiStart: number;
  roiEnd: number;
}

export interface ResizeMode {
  mode: 'nearest' | 'linear' | 'cubic';
  coordinate: string;
  /** '' for the simple rounding of Upsample and Resize-10 */
  nearest: string;
  cubicA: number;
  excludeOutside: boolean;
  antialias: boolean;
}

/** The [outLen, inLen] interpolation matrix of one axis, as onnxruntime's CPU kernels compute it. */
export function resizeAxisMatrix(ax: ResizeAxis, m: ResizeMode): Float64Array {
  const { inLen, outLen, scale } = ax;
  const A = new Float64Array(outLen * inLen);
  const transform = coordinateTransform(m.coordinate);
  const extrapolate = m.coordinate === 'tf_crop_and_resize';
  const orig = (o: number) => transform(o, scale, outLen, inLen, ax.roiStart, ax.roiEnd);
  const outside = (v: number) => extrapolate && (v < 0 || v > inLen - 1);
  const clampIdx = (j: number) => Math.min(Math.max(j, 0), inLen - 1);

  if (m.mode === 'nearest') {
    if (scale === 1) {
      for (let o = 0; o < outLen; o++) A[o * inLen + o] = 1;
      return A;
    }
    const pick = nearestPixel(m.nearest);
    for (let o = 0; o < outLen; o++) {
      const v = orig(o);
      if (outside(v)) continue;
      A[o * inLen + clampIdx(pick(v, scale < 1))] = 1;
    }
    return A;
  }

  if (m.antialias) {
    // upsample_aa.cc: a filter (triangle or cubic) stretched by 1/scale when downsampling
    const supportSize = m.mode === 'linear' ? 2 : 4;
    const filter =
      m.mode === 'linear'
        ? (v: number) => Math.max(0, 1 - Math.abs(v))
        : (v: number) => {
            const t = Math.abs(v);
            const a = m.cubicA;
            if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
            if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
            return 0;
          };
    const inv = f32(1 / scale);
    const support = inv >= 1 ? supportSize * 0.5 * inv : supportSize * 0.5;
    const filterScale = inv >= 1 ? 1 / inv : 1;
    for (let o = 0; o < outLen; o++) {
      const raw = inv === 1 ? o : orig(o);
      if (outside(raw)) continue;
      const center = f32(0.5 + raw);
      const lo0 = Math.floor(center - support + 0.5);
      const hi0 = Math.floor(center + support + 0.5);
      const lo = m.excludeOutside ? Math.max(lo0, 0) : lo0;
      const hi = m.excludeOutside ? Math.min(hi0, inLen) : hi0;
      const w: number[] = [];
      let total = 0;
      for (let j = lo; j < hi; j++) {
        const v = filter((j - center + 0.5) * filterScale);
        w.push(v);
        total += v;
      }
      const norm = total !== 0 ? total : 1;
      for (let j = lo; j < hi; j++) A[o * inLen + clampIdx(j)] += w[j - lo] / norm;
    }
    return A;
  }

  if (m.mode === 'linear') {
    for (let o = 0; o < outLen; o++) {
      const raw = scale === 1 ? o : orig(o);
      if (outside(raw)) continue;
      const v = Math.max(0, Math.min(raw, inLen - 1));
      const i1 = Math.min(Math.trunc(v), inLen - 1);
      const i2 = Math.min(i1 + 1, inLen - 1);
      let d1 = Math.abs(v - i1);
      let d2 = Math.abs(v - i2);
      if (i1 === i2) d1 = d2 = 0.5;
      A[o * inLen + i1] += d2;
      A[o * inLen + i2] += d1;
    }
    return A;
  }

  // cubic
  for (let o = 0; o < outLen; o++) {
    const raw = scale === 1 ? o : orig(o);
    if (outside(raw)) continue;
    const base = Math.floor(raw);
    const coeffs = cubicCoefficients(f32(raw - base), m.cubicA);
    let sum = 1;
    if (m.excludeOutside) {
      sum = 0;
      coeffs.forEach((c, t) => {
        const j = base - 1 + t;
        if (j < 0 || j >= inLen) coeffs[t] = 0;
        else sum += c;
      });
    }
    coeffs.forEach((c, t) => (A[o * inLen + clampIdx(base - 1 + t)] += c / sum));
  }
  return A;
}

/** Per-axis parameters of a Resize or Upsample node, resolved like onnxruntime does. */
function resizeSetup(node: Node, ctx: GradContext): { axes: ResizeAxis[]; mode: ResizeMode } {
  const xShape = ctx.shape(node.inputs[0]);
  const yShape = ctx.shape(node.outputs[0]);
  const rank = xShape.length;
  const isResize = node.opType === 'Resize';
  const opset = ctx.opset;
  const modeName = attrString(node, 'mode', 'nearest');
  const mode: ResizeMode = {
    mode: modeName === 'bilinear' ? 'linear' : (modeName as ResizeMode['mode']),
    coordinate: isResize && opset >= 11 ? attrString(node, 'coordinate_transformation_mode', 'half_pixel') : 'asymmetric',
    nearest: isResize && opset >= 11 && modeName === 'nearest' ? attrString(node, 'nearest_mode', 'round_prefer_floor') : '',
    cubicA: attrFloat(node, 'cubic_coeff_a', -0.75),
    excludeOutside: attrInt(node, 'exclude_outside', 0) === 1,
    antialias: isResize && opset >= 18 && attrInt(node, 'antialias', 0) === 1,
  };
  if (!['nearest', 'linear', 'cubic'].includes(mode.mode)) throw new Error(`Resize mode '${modeName}' is not supported`);
  const attrAxes = isResize && opset >= 18 ? attrInts(node, 'axes') : undefined;
  const axesList = attrAxes ? attrAxes.map((a) => normAxis(a, rank)) : Array.from({ length: rank }, (_, i) => i);
  const spread = (vals: number[], fill: number): number[] => {
    if (!attrAxes) return vals;
    const full = new Array<number>(rank).fill(fill);
    axesList.forEach((a, i) => (full[a] = vals[i]));
    return full;
  };

  let scales: number[] | undefined;
  let roi: number[] | undefined;
  const constFloats = (k: number, what: string): number[] | undefined => {
    const name = node.inputs[k];
    if (!name) return undefined;
    const v = ctx.constantValue(name);
    if (!v) throw new Error(`the ${what} input '${name}' of ${node.opType} node '${node.name}' must be a constant for its backward`);
    const vals = tensorNumbers(v);
    return vals.length ? vals.map(f32) : undefined;
  };
  if (!isResize) scales = opset >= 9 ? constFloats(1, 'scales') : attrFloats(node, 'scales')?.map(f32);
  else if (opset < 11) scales = constFloats(1, 'scales');
  else {
    scales = constFloats(2, 'scales');
    if (mode.coordinate === 'tf_crop_and_resize') roi = constFloats(1, 'roi');
  }
  if (scales) scales = spread(scales, 1);
  else {
    // sizes: the scale is out / in in float32, then the aspect-ratio policy
    scales = xShape.map((d, i) => (d === 0 ? 1 : f32(yShape[i] / d)));
    const policy = isResize && opset >= 18 ? attrString(node, 'keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy !== 'stretch') {
      const sizes = constInts(ctx, node, 3, 'sizes');
      if (sizes) {
        const full = spread(sizes, -1);
        scales = xShape.map((d, i) => (full[i] < 0 || d === 0 ? 1 : f32(full[i] / d)));
      }
      const chosen = axesList.map((a) => scales![a]);
      const s = policy === 'not_larger' ? Math.min(...chosen) : Math.max(...chosen);
      scales = xShape.map((_, i) => (axesList.includes(i) ? s : 1));
    }
  }
  if (roi && attrAxes) {
    const full = [...new Array<number>(rank).fill(0), ...new Array<number>(rank).fill(1)];
    axesList.forEach((a, i) => {
      full[a] = roi![i];
      full[rank + a] = roi![axesList.length + i];
    });
    roi = full;
  }
  const axes = xShape.map((inLen, i) => ({
    inLen,
    outLen: yShape[i],
    scale: scales![i],
    roiStart: roi ? roi[i] : 0,
    roiEnd: roi ? roi[rank + i] : 1,
  }));
  return { axes, mode };
}

export const resize: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  const rest = none(node);
  if (!dY || !ctx.needsGrad(x)) return [undefined, ...rest];
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(node.outputs[0]);
  // onnxruntime copies the input when no dimension changes, whatever the mode
  if (xShape.every((d, i) => d === yShape[i])) return [dY, ...rest];
  const { axes, mode } = resizeSetup(node, ctx);
  let g = dY;
  const cur = [...yShape];
  axes.forEach((ax, a) => {
    if (ax.inLen === ax.outLen && ax.scale === 1 && mode.coordinate !== 'tf_crop_and_resize') return;
    g = axisMatrixBackward(ctx, g, cur, a, resizeAxisMatrix(ax, mode), ax.inLen, ctx.dtype(x));
    cur[a] = ax.inLen;
  });
  return [g, ...rest];
};

export const shapeRules: RuleSet = {
  Concat: concat,
  Split: split,
  Slice: slice,
  Flatten: reshapeBack,
  Reshape: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose: transpose,
  Pad: pad,
  Resize: resize,
  Upsample: resize,
  Gather: gather,
  Expand: expand,
  Tile: tile,
  DepthToSpace: depthSpace,
  SpaceToDepth: depthSpace,
};
