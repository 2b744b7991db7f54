/**
 * Static shape inference over the IR, with constant folding of shape subgraphs.
 *
 * Input shapes are concrete (the batch size is fixed per compiled graph), so every
 * value in the graph gets concrete dims. Values computable at compile time (the
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains torch emits, Constant
 * nodes, ConstantOfShape, Range, integer arithmetic, ...) are folded and kept in
 * `constants` when they are small.
 */
import type { DType, Graph, Node, Tensor, TypedData } from './ir.js';
import {
  attrFloat,
  attrFloats,
  attrInt,
  attrInts,
  attrString,
  attrTensor,
  int64Tensor,
  sizeOf,
  typedArrayFor,
} from './ir.js';
import { dtypeFromCode } from './onnx.js';

export interface ShapeInfo {
  /** Every value name -> concrete dims. */
  shapes: Map<string, number[]>;
  dtypes: Map<string, DType>;
  /**
   * Values known at compile time (small initializers, Constant nodes and everything
   * folded from them and from static shapes). Large initializers are not decoded:
   * read them through graph.initializers.
   */
  constants: Map<string, Tensor>;
}

export class ShapeInferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeInferenceError';
  }
}

/** Folded constants (and decoded initializers) are kept up to this many elements. */
export const MAX_CONSTANT_ELEMENTS = 4096;

// ---------------------------------------------------------------------------
// tensor helpers for folding

type Scalar = number | bigint;
type Writable = { [i: number]: Scalar; length: number };

const NUMERIC: ReadonlySet<DType> = new Set<DType>([
  'float32',
  'float64',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
]);
const FLOATS: ReadonlySet<DType> = new Set<DType>(['float32', 'float64', 'float16', 'bfloat16']);
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

function isFloat(d: DType): boolean {
  return FLOATS.has(d);
}

/** Plain numbers of a tensor whose dtype has a numeric reading (not float16/bfloat16/string). */
function numbersOf(t: Tensor): number[] | undefined {
  if (!NUMERIC.has(t.dtype)) return undefined;
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  return out;
}

function toBigInt(v: number, dtype: DType): bigint {
  if (Number.isNaN(v)) return 0n;
  const lo = dtype === 'uint64' ? 0n : INT64_MIN;
  const hi = dtype === 'uint64' ? UINT64_MAX : INT64_MAX;
  if (v === Infinity) return hi;
  if (v === -Infinity) return lo;
  const b = BigInt(Math.trunc(v));
  return b > hi ? hi : b < lo ? lo : b;
}

/** A tensor of `dtype` from plain numbers (ints truncate, int64 clamps, bool is != 0). */
function makeTensor(dtype: DType, dims: number[], values: ArrayLike<number>): Tensor {
  const data = typedArrayFor(dtype, values.length);
  const w = data as unknown as Writable;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) w[i] = toBigInt(values[i], dtype);
  } else if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) w[i] = values[i] !== 0 && !Number.isNaN(values[i]) ? 1 : 0;
  } else if (isFloat(dtype)) {
    for (let i = 0; i < values.length; i++) w[i] = values[i];
  } else {
    for (let i = 0; i < values.length; i++) w[i] = Number.isFinite(values[i]) ? Math.trunc(values[i]) : 0;
  }
  return { dtype, dims: [...dims], data };
}

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/**
 * Build a tensor of `dtype` and `dims` element by element: `get(idx)` returns the value at
 * the output multi-index (a value of the dtype's own kind: bigint for 64-bit ints).
 */
function buildTensor(dtype: DType, dims: number[], get: (idx: number[]) => Scalar): Tensor | undefined {
  const n = sizeOf(dims);
  if (n > MAX_CONSTANT_ELEMENTS) return undefined;
  let data: TypedData;
  try {
    data = typedArrayFor(dtype, n);
  } catch {
    return undefined;
  }
  const w = data as unknown as Writable;
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    w[i] = get(idx);
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return { dtype, dims: [...dims], data };
}

/** Read the source element at a multi-index. */
function at(t: Tensor, strides: number[], idx: number[]): Scalar {
  let off = 0;
  for (let k = 0; k < idx.length; k++) off += idx[k] * strides[k];
  return t.data[off];
}

function withDims(t: Tensor, dims: number[]): Tensor {
  return { dtype: t.dtype, dims: [...dims], data: t.data };
}

/** Numpy-style rounding of x.5 to even (ONNX Round). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ---------------------------------------------------------------------------
// inference state

interface State {
  graph: Graph;
  opset: number;
  shapes: Map<string, number[]>;
  dtypes: Map<string, DType>;
  constants: Map<string, Tensor>;
}

/** What a shape rule sees of one node. */
class Ctx {
  constructor(
    readonly node: Node,
    readonly st: State,
  ) {}

  get opset(): number {
    return this.st.opset;
  }

  fail(message: string): never {
    throw new ShapeInferenceError(`${this.node.opType} node '${this.node.name || '(unnamed)'}': ${message}`);
  }

  /** Whether optional input i is given. */
  has(i: number): boolean {
    return i < this.node.inputs.length && this.node.inputs[i] !== '';
  }

  inputCount(): number {
    return this.node.inputs.filter((x) => x !== '').length;
  }

  name(i: number): string {
    if (!this.has(i)) this.fail(`input ${i} is required`);
    return this.node.inputs[i];
  }

  shape(i: number): number[] {
    const s = this.st.shapes.get(this.name(i));
    if (!s) this.fail(`shape of input '${this.node.inputs[i]}' is unknown`);
    return s;
  }

  rank(i: number): number {
    return this.shape(i).length;
  }

  dtype(i: number): DType {
    const d = this.st.dtypes.get(this.name(i));
    if (!d) this.fail(`type of input '${this.node.inputs[i]}' is unknown`);
    return d;
  }

  /** The compile-time value of input i, if known (small values only). */
  value(i: number): Tensor | undefined {
    if (!this.has(i)) return undefined;
    return this.st.constants.get(this.node.inputs[i]);
  }

  /** Input i as plain numbers; it must be a compile-time constant. */
  ints(i: number, what: string): number[] {
    const t = this.value(i);
    if (!t) {
      this.fail(
        `input ${i} ('${this.node.inputs[i]}', the ${what}) must be a compile-time constant for static shape inference, ` +
          'but it depends on runtime data',
      );
    }
    const v = numbersOf(t);
    if (!v) this.fail(`input ${i} ('${this.node.inputs[i]}', the ${what}) has unsupported type ${t.dtype}`);
    return v;
  }

  /** Input i as numbers if given and non-empty, undefined otherwise. */
  optInts(i: number, what: string): number[] | undefined {
    if (!this.has(i)) return undefined;
    const s = this.shape(i);
    if (sizeOf(s) === 0) return undefined;
    return this.ints(i, what);
  }

  /** Normalise an axis against a rank (negative counts from the end). */
  axis(a: number, rank: number, what = 'axis'): number {
    const r = a < 0 ? a + rank : a;
    if (!Number.isInteger(r) || r < 0 || r >= rank) this.fail(`${what} ${a} is out of range for rank ${rank}`);
    return r;
  }

  out(i: number, shape: number[], dtype: DType, value?: Tensor): void {
    const name = this.node.outputs[i];
    if (name === undefined || name === '') return;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) this.fail(`computed an invalid output shape [${shape.join(', ')}] for '${name}'`);
    }
    this.st.shapes.set(name, [...shape]);
    this.st.dtypes.set(name, dtype);
    if (value && sizeOf(value.dims) <= MAX_CONSTANT_ELEMENTS) this.st.constants.set(name, value);
  }

  /** Whether output i is wanted (present and non-empty). */
  wants(i: number): boolean {
    return i < this.node.outputs.length && this.node.outputs[i] !== '';
  }
}

type Rule = (c: Ctx) => void;

// ---------------------------------------------------------------------------
// shared shape logic

function broadcast(c: Ctx, shapes: number[][]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    let d = 1;
    for (const s of shapes) {
      const j = s.length - rank + k;
      const v = j < 0 ? 1 : s[j];
      if (v === 1) continue;
      if (d === 1) d = v;
      else if (d !== v) {
        c.fail(`cannot broadcast shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')}`);
      }
    }
    out.push(d);
  }
  return out;
}

/** Fold an elementwise op with numpy broadcasting. */
function foldElementwise(
  inputs: (Tensor | undefined)[],
  outShape: number[],
  outDtype: DType,
  fn: (xs: number[]) => number,
): Tensor | undefined {
  if (sizeOf(outShape) > MAX_CONSTANT_ELEMENTS || !NUMERIC.has(outDtype)) return undefined;
  const vals: number[][] = [];
  for (const t of inputs) {
    if (!t) return undefined;
    const v = numbersOf(t);
    if (!v) return undefined;
    vals.push(v);
  }
  const rank = outShape.length;
  const bstrides = inputs.map((t) => {
    const dims = (t as Tensor).dims;
    const s = stridesOf(dims);
    return outShape.map((_, k) => {
      const j = dims.length - rank + k;
      return j < 0 || dims[j] === 1 ? 0 : s[j];
    });
  });
  const n = sizeOf(outShape);
  const res = new Array<number>(n);
  const idx = new Array<number>(rank).fill(0);
  const xs = new Array<number>(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < inputs.length; a++) {
      let off = 0;
      for (let k = 0; k < rank; k++) off += idx[k] * bstrides[a][k];
      xs[a] = vals[a][off];
    }
    res[i] = fn(xs);
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  if (isFloat(outDtype)) {
    if (outDtype === 'float32') for (let i = 0; i < n; i++) res[i] = Math.fround(res[i]);
  }
  return makeTensor(outDtype, outShape, res);
}

function spatialAttrs(c: Ctx, spatial: number, kernel: number[]) {
  const strides = attrInts(c.node, 'strides', new Array(spatial).fill(1));
  const dilations = attrInts(c.node, 'dilations', new Array(spatial).fill(1));
  const pads = attrInts(c.node, 'pads', new Array(2 * spatial).fill(0));
  const autoPad = attrString(c.node, 'auto_pad', 'NOTSET');
  if (strides.length !== spatial || dilations.length !== spatial || pads.length !== 2 * spatial || kernel.length !== spatial) {
    c.fail(
      `attribute lengths do not match ${spatial} spatial dims (kernel ${kernel.length}, strides ${strides.length}, ` +
        `dilations ${dilations.length}, pads ${pads.length})`,
    );
  }
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) c.fail(`unknown auto_pad '${autoPad}'`);
  return { strides, dilations, pads, autoPad };
}

/** Output extent of a sliding window (Conv and pools). */
function windowOut(
  c: Ctx,
  input: number[],
  kernel: number[],
  opts: { strides: number[]; dilations: number[]; pads: number[]; autoPad: string },
  ceilMode: boolean,
): number[] {
  const n = input.length;
  return input.map((x, i) => {
    const s = opts.strides[i];
    const ek = (kernel[i] - 1) * opts.dilations[i] + 1;
    if (s <= 0) c.fail(`stride ${s} must be positive`);
    let o: number;
    if (opts.autoPad === 'SAME_UPPER' || opts.autoPad === 'SAME_LOWER') {
      o = Math.ceil(x / s);
    } else if (opts.autoPad === 'VALID') {
      o = Math.floor((x - ek) / s) + 1;
      if (ceilMode) o = Math.ceil((x - ek) / s) + 1;
    } else {
      const pb = opts.pads[i];
      const pe = opts.pads[i + n];
      const span = x + pb + pe - ek;
      if (span < 0) c.fail(`window ${ek} is larger than the padded input ${x + pb + pe} on spatial axis ${i}`);
      o = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
      // The last window must start inside the input or the left padding.
      if (ceilMode && (o - 1) * s >= x + pb) o--;
    }
    if (o < 0) c.fail(`negative output extent on spatial axis ${i}`);
    return o;
  });
}

function pool(c: Ctx): void {
  const x = c.shape(0);
  if (x.length < 3) c.fail(`expects an input of rank >= 3, got [${x.join(', ')}]`);
  const kernel = attrInts(c.node, 'kernel_shape');
  if (!kernel) c.fail(`attribute 'kernel_shape' is required`);
  const spatial = x.length - 2;
  const opts = spatialAttrs(c, spatial, kernel);
  const ceil = attrInt(c.node, 'ceil_mode', 0) === 1;
  const out = [x[0], x[1], ...windowOut(c, x.slice(2), kernel, opts, ceil)];
  c.out(0, out, c.dtype(0));
  if (c.wants(1)) c.out(1, out, 'int64');
}

function reduceAxes(c: Ctx, fromOpset: number): number[] | undefined {
  if (c.opset >= fromOpset) return c.optInts(1, 'axes');
  return attrInts(c.node, 'axes');
}

/** Output dims of a reduction; `axes` undefined or empty means all (unless noop). */
function reduceShape(c: Ctx, x: number[], axes: number[] | undefined, keep: boolean): { dims: number[]; set: Set<number> } {
  const noop = attrInt(c.node, 'noop_with_empty_axes', 0) === 1;
  let set: Set<number>;
  if (!axes || axes.length === 0) {
    if (noop) return { dims: [...x], set: new Set() };
    set = new Set(x.map((_, i) => i));
  } else {
    set = new Set(axes.map((a) => c.axis(a, x.length)));
  }
  const dims: number[] = [];
  x.forEach((d, i) => {
    if (!set.has(i)) dims.push(d);
    else if (keep) dims.push(1);
  });
  return { dims, set };
}

function foldReduce(op: string, t: Tensor | undefined, set: Set<number>, outDims: number[]): Tensor | undefined {
  if (!t || sizeOf(outDims) > MAX_CONSTANT_ELEMENTS) return undefined;
  const vals = numbersOf(t);
  if (!vals) return undefined;
  const init = op === 'ReduceProd' ? 1 : op === 'ReduceMax' ? -Infinity : op === 'ReduceMin' ? Infinity : 0;
  const acc = new Array<number>(sizeOf(outDims)).fill(init);
  const keptDims = t.dims.map((d, i) => (set.has(i) ? 1 : d));
  const outStrides = stridesOf(keptDims);
  const idx = new Array<number>(t.dims.length).fill(0);
  for (let i = 0; i < vals.length; i++) {
    let off = 0;
    for (let k = 0; k < idx.length; k++) if (!set.has(k)) off += idx[k] * outStrides[k];
    const v = vals[i];
    if (op === 'ReduceSum' || op === 'ReduceMean') acc[off] += v;
    else if (op === 'ReduceProd') acc[off] *= v;
    else if (op === 'ReduceMax') acc[off] = Math.max(acc[off], v);
    else acc[off] = Math.min(acc[off], v);
    for (let k = idx.length - 1; k >= 0; k--) {
      if (++idx[k] < t.dims[k]) break;
      idx[k] = 0;
    }
  }
  if (op === 'ReduceMean') {
    let count = 1;
    t.dims.forEach((d, i) => {
      if (set.has(i)) count *= d;
    });
    for (let i = 0; i < acc.length; i++) acc[i] /= count;
  }
  return makeTensor(t.dtype, outDims, acc);
}

/** Slice data along axes with (already normalised) starts and steps; out dims given. */
function foldSlice(t: Tensor | undefined, outDims: number[], starts: number[], steps: number[]): Tensor | undefined {
  if (!t) return undefined;
  const s = stridesOf(t.dims);
  const src = new Array<number>(t.dims.length);
  return buildTensor(t.dtype, outDims, (idx) => {
    for (let k = 0; k < idx.length; k++) src[k] = starts[k] + idx[k] * steps[k];
    return at(t, s, src);
  });
}

// ---------------------------------------------------------------------------
// rules

const rules = new Map<string, Rule>();
function rule(ops: string | string[], r: Rule): void {
  for (const op of Array.isArray(ops) ? ops : [ops]) rules.set(op, r);
}

// --- elementwise unary -----------------------------------------------------

const UNARY_FOLD: Record<string, (x: number, c: Ctx) => number> = {
  Identity: (x) => x,
  Neg: (x) => -x,
  Abs: (x) => Math.abs(x),
  Floor: (x) => Math.floor(x),
  Ceil: (x) => Math.ceil(x),
  Round: (x) => roundHalfEven(x),
  Sqrt: (x) => Math.sqrt(x),
  Exp: (x) => Math.exp(x),
  Log: (x) => Math.log(x),
  Reciprocal: (x) => 1 / x,
  Sign: (x) => Math.sign(x),
  Relu: (x) => Math.max(0, x),
  Not: (x) => (x ? 0 : 1),
};

rule(
  [
    'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Erf', 'Gelu', 'HardSigmoid', 'HardSwish', 'Exp', 'Log', 'Sqrt', 'Neg',
    'Abs', 'Reciprocal', 'Sign', 'Identity', 'Softplus', 'Softsign', 'Elu', 'Selu', 'Celu', 'Mish', 'Not', 'Floor',
    'Ceil', 'Round', 'ThresholdedRelu', 'Shrink', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh',
    'Asinh', 'Acosh', 'Atanh', 'LRN', 'MeanVarianceNormalization', 'Trilu', 'EyeLike', 'BitwiseNot',
  ],
  (c: Ctx) => {
    const x = c.shape(0);
    let dtype = c.dtype(0);
    if (c.node.opType === 'EyeLike') {
      const d = attrInt(c.node, 'dtype');
      if (d !== undefined) dtype = dtypeFromCode(d);
    }
    const f = UNARY_FOLD[c.node.opType];
    let value: Tensor | undefined;
    const v = c.value(0);
    if (f && v) {
      if (c.node.opType === 'Identity') value = v;
      else value = foldElementwise([v], x, dtype, (xs) => f(xs[0], c));
    }
    c.out(0, x, dtype, value);
  },
);

rule(['IsNaN', 'IsInf'], (c: Ctx) => c.out(0, c.shape(0), 'bool'));

rule(['Softmax', 'LogSoftmax', 'Hardmax'], (c: Ctx) => {
  const x = c.shape(0);
  const axis = attrInt(c.node, 'axis', c.opset >= 13 ? -1 : 1);
  if (x.length > 0) c.axis(axis, x.length);
  c.out(0, x, c.dtype(0));
});

rule('CumSum', (c: Ctx) => {
  const x = c.shape(0);
  const axis = c.ints(1, 'axis');
  if (x.length > 0) c.axis(axis[0], x.length);
  c.out(0, x, c.dtype(0));
});

rule('PRelu', (c: Ctx) => {
  const x = c.shape(0);
  // Unidirectional broadcast of the slope to X (before opset 7 a [C] slope meant per channel).
  if (c.opset >= 7) {
    const b = broadcast(c, [x, c.shape(1)]);
    if (b.length !== x.length || b.some((d, i) => d !== x[i])) c.fail(`slope [${c.shape(1).join(', ')}] does not broadcast to X [${x.join(', ')}]`);
  }
  c.out(0, x, c.dtype(0));
});

rule('Clip', (c: Ctx) => {
  const x = c.shape(0);
  let lo = -Infinity;
  let hi = Infinity;
  let known = true;
  if (c.opset >= 11) {
    if (c.has(1)) {
      const v = c.value(1);
      if (v) lo = Number(v.data[0]);
      else known = false;
    }
    if (c.has(2)) {
      const v = c.value(2);
      if (v) hi = Number(v.data[0]);
      else known = false;
    }
  } else {
    lo = attrFloat(c.node, 'min', -Infinity);
    hi = attrFloat(c.node, 'max', Infinity);
  }
  const v = c.value(0);
  const value = known && v ? foldElementwise([v], x, c.dtype(0), (xs) => Math.min(hi, Math.max(lo, xs[0]))) : undefined;
  c.out(0, x, c.dtype(0), value);
});

rule('Dropout', (c: Ctx) => {
  const x = c.shape(0);
  c.out(0, x, c.dtype(0), c.value(0));
  if (c.wants(1)) c.out(1, x, 'bool');
});

// --- elementwise binary / variadic ------------------------------------------

const BINARY: Record<string, { dtype?: DType; fn: (xs: number[], intOut: boolean, c: Ctx) => number }> = {
  Add: { fn: (x) => x[0] + x[1] },
  Sub: { fn: (x) => x[0] - x[1] },
  Mul: { fn: (x) => x[0] * x[1] },
  Div: { fn: (x, i) => (i ? Math.trunc(x[0] / x[1]) : x[0] / x[1]) },
  Pow: { fn: (x) => Math.pow(x[0], x[1]) },
  Mod: {
    fn: (x, i, c) => {
      if (attrInt(c.node, 'fmod', 0) === 1 || !i) return x[0] % x[1];
      const r = x[0] % x[1];
      return r !== 0 && r < 0 !== x[1] < 0 ? r + x[1] : r;
    },
  },
  Max: { fn: (x) => Math.max(...x) },
  Min: { fn: (x) => Math.min(...x) },
  Sum: { fn: (x) => x.reduce((a, b) => a + b, 0) },
  Mean: { fn: (x) => x.reduce((a, b) => a + b, 0) / x.length },
  Equal: { dtype: 'bool', fn: (x) => (x[0] === x[1] ? 1 : 0) },
  Greater: { dtype: 'bool', fn: (x) => (x[0] > x[1] ? 1 : 0) },
  Less: { dtype: 'bool', fn: (x) => (x[0] < x[1] ? 1 : 0) },
  GreaterOrEqual: { dtype: 'bool', fn: (x) => (x[0] >= x[1] ? 1 : 0) },
  LessOrEqual: { dtype: 'bool', fn: (x) => (x[0] <= x[1] ? 1 : 0) },
  And: { dtype: 'bool', fn: (x) => (x[0] && x[1] ? 1 : 0) },
  Or: { dtype: 'bool', fn: (x) => (x[0] || x[1] ? 1 : 0) },
  Xor: { dtype: 'bool', fn: (x) => (!x[0] !== !x[1] ? 1 : 0) },
  BitShift: {
    fn: (x, _i, c) => (attrString(c.node, 'direction', 'LEFT') === 'LEFT' ? x[0] * 2 ** x[1] : Math.floor(x[0] / 2 ** x[1])),
  },
  BitwiseAnd: { fn: (x) => x[0] & x[1] },
  BitwiseOr: { fn: (x) => x[0] | x[1] },
  BitwiseXor: { fn: (x) => x[0] ^ x[1] },
};

rule(Object.keys(BINARY), (c: Ctx) => {
  const spec = BINARY[c.node.opType];
  const idx = c.node.inputs.map((_, i) => i).filter((i) => c.has(i));
  if (idx.length === 0) c.fail('has no inputs');
  const shapes = idx.map((i) => c.shape(i));
  if (c.opset < 7 && attrInt(c.node, 'broadcast', 0) === 1 && idx.length === 2) {
    // Legacy (opset < 7) broadcasting: B is aligned at 'axis' (default: suffix).
    const a = shapes[0];
    const b = shapes[1];
    const axis = attrInt(c.node, 'axis', a.length - b.length);
    shapes[1] = a.map((_, k) => (k >= axis && k < axis + b.length ? b[k - axis] : 1));
  }
  const out = broadcast(c, shapes);
  const dtype = spec.dtype ?? c.dtype(idx[0]);
  const inDtype = c.dtype(idx[0]);
  const values = idx.map((i) => c.value(i));
  let value: Tensor | undefined;
  if (values.every((v) => v !== undefined)) {
    const tensors = values.map((v, k) => withDims(v as Tensor, shapes[k]));
    const intOut = !isFloat(inDtype);
    value = foldElementwise(tensors, out, dtype, (xs) => spec.fn(xs, intOut, c));
  }
  c.out(0, out, dtype, value);
});

rule('Where', (c: Ctx) => {
  const out = broadcast(c, [c.shape(0), c.shape(1), c.shape(2)]);
  const dtype = c.dtype(1);
  const value = foldElementwise([c.value(0), c.value(1), c.value(2)], out, dtype, (x) => (x[0] ? x[1] : x[2]));
  c.out(0, out, dtype, value);
});

// --- linear algebra --------------------------------------------------------

rule(['MatMul', 'MatMulInteger'], (c: Ctx) => {
  const a = c.shape(0);
  const b = c.shape(1);
  if (a.length === 0 || b.length === 0) c.fail('operands must not be scalars');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (k1 !== k2) c.fail(`inner dimensions differ: [${a.join(', ')}] x [${b.join(', ')}]`);
  const batch = broadcast(c, [a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  c.out(0, out, c.node.opType === 'MatMulInteger' ? 'int32' : c.dtype(0));
});

rule('Gemm', (c: Ctx) => {
  const a = c.shape(0);
  const b = c.shape(1);
  if (a.length !== 2 || b.length !== 2) c.fail(`expects 2-D operands, got [${a.join(', ')}] and [${b.join(', ')}]`);
  const ta = attrInt(c.node, 'transA', 0) === 1;
  const tb = attrInt(c.node, 'transB', 0) === 1;
  const [m, k1] = ta ? [a[1], a[0]] : a;
  const [k2, n] = tb ? [b[1], b[0]] : b;
  if (k1 !== k2) c.fail(`inner dimensions differ: A is [${a.join(', ')}]${ta ? ' (transposed)' : ''}, B is [${b.join(', ')}]${tb ? ' (transposed)' : ''}`);
  if (c.has(2)) broadcast(c, [[m, n], c.shape(2)]);
  c.out(0, [m, n], c.dtype(0));
});

// --- convolution and pooling -------------------------------------------------

rule(['Conv', 'ConvInteger'], (c: Ctx) => {
  const x = c.shape(0);
  const w = c.shape(1);
  if (x.length < 3) c.fail(`expects an input of rank >= 3 (N, C, spatial...), got [${x.join(', ')}]`);
  if (w.length !== x.length) c.fail(`weight rank ${w.length} does not match input rank ${x.length}`);
  const group = attrInt(c.node, 'group', 1);
  if (x[1] !== w[1] * group) {
    c.fail(`input has ${x[1]} channels but the weight [${w.join(', ')}] with group=${group} expects ${w[1] * group}`);
  }
  const kernel = attrInts(c.node, 'kernel_shape', w.slice(2));
  const opts = spatialAttrs(c, x.length - 2, kernel);
  const out = [x[0], w[0], ...windowOut(c, x.slice(2), kernel, opts, false)];
  c.out(0, out, c.node.opType === 'ConvInteger' ? 'int32' : c.dtype(0));
});

rule('ConvTranspose', (c: Ctx) => {
  const x = c.shape(0);
  const w = c.shape(1);
  if (x.length < 3) c.fail(`expects an input of rank >= 3 (N, C, spatial...), got [${x.join(', ')}]`);
  if (w.length !== x.length) c.fail(`weight rank ${w.length} does not match input rank ${x.length}`);
  const group = attrInt(c.node, 'group', 1);
  if (x[1] !== w[0]) c.fail(`input has ${x[1]} channels but the weight [${w.join(', ')}] expects ${w[0]}`);
  const spatial = x.length - 2;
  const kernel = attrInts(c.node, 'kernel_shape', w.slice(2));
  const opts = spatialAttrs(c, spatial, kernel);
  const outPad = attrInts(c.node, 'output_padding', new Array(spatial).fill(0));
  const outputShape = attrInts(c.node, 'output_shape');
  let dims: number[];
  if (outputShape) {
    dims = outputShape.slice(outputShape.length - spatial);
    if (dims.length !== spatial) c.fail(`output_shape has ${outputShape.length} entries for ${spatial} spatial dims`);
  } else {
    dims = x.slice(2).map((d, i) => {
      const s = opts.strides[i];
      if (opts.autoPad === 'SAME_UPPER' || opts.autoPad === 'SAME_LOWER') return d * s;
      const ek = (kernel[i] - 1) * opts.dilations[i] + 1;
      const pads = opts.autoPad === 'VALID' ? 0 : opts.pads[i] + opts.pads[i + spatial];
      return s * (d - 1) + outPad[i] + ek - pads;
    });
  }
  c.out(0, [x[0], w[1] * group, ...dims], c.dtype(0));
});

rule(['MaxPool', 'AveragePool', 'LpPool'], pool);

rule(['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'], (c: Ctx) => {
  const x = c.shape(0);
  if (x.length < 3) c.fail(`expects an input of rank >= 3, got [${x.join(', ')}]`);
  c.out(0, [x[0], x[1], ...x.slice(2).map(() => 1)], c.dtype(0));
});

rule('MaxUnpool', (c: Ctx) => {
  const x = c.shape(0);
  if (c.has(2)) {
    c.out(0, c.ints(2, 'output_shape'), c.dtype(0));
    return;
  }
  const kernel = attrInts(c.node, 'kernel_shape');
  if (!kernel) c.fail(`attribute 'kernel_shape' is required`);
  const spatial = x.length - 2;
  const strides = attrInts(c.node, 'strides', new Array(spatial).fill(1));
  const pads = attrInts(c.node, 'pads', new Array(2 * spatial).fill(0));
  const dims = x.slice(2).map((d, i) => (d - 1) * strides[i] + kernel[i] - pads[i] - pads[i + spatial]);
  c.out(0, [x[0], x[1], ...dims], c.dtype(0));
});

// --- normalisation -----------------------------------------------------------

rule('BatchNormalization', (c: Ctx) => {
  const x = c.shape(0);
  c.out(0, x, c.dtype(0));
  const ch = x.length > 1 ? x[1] : 1;
  for (let i = 1; i < c.node.outputs.length; i++) if (c.wants(i)) c.out(i, [ch], c.dtype(c.has(3) ? 3 : 0));
});

rule(['InstanceNormalization', 'GroupNormalization'], (c: Ctx) => c.out(0, c.shape(0), c.dtype(0)));

rule('LayerNormalization', (c: Ctx) => {
  const x = c.shape(0);
  c.out(0, x, c.dtype(0));
  const axis = c.axis(attrInt(c.node, 'axis', -1), x.length);
  const stats = x.map((d, i) => (i < axis ? d : 1));
  const stash = dtypeFromCode(attrInt(c.node, 'stash_type', 1));
  if (c.wants(1)) c.out(1, stats, stash);
  if (c.wants(2)) c.out(2, stats, stash);
});

// --- reductions --------------------------------------------------------------

rule(
  ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'],
  (c: Ctx) => {
    const x = c.shape(0);
    const axes = reduceAxes(c, c.node.opType === 'ReduceSum' ? 13 : 18);
    const keep = attrInt(c.node, 'keepdims', 1) === 1;
    const { dims, set } = reduceShape(c, x, axes, keep);
    const foldable = ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd'].includes(c.node.opType);
    let value: Tensor | undefined;
    if (foldable && c.value(0)) {
      value = set.size === 0 ? withDims(c.value(0) as Tensor, dims) : foldReduce(c.node.opType, c.value(0), set, dims);
    }
    c.out(0, dims, c.dtype(0), value);
  },
);

rule(['ArgMax', 'ArgMin'], (c: Ctx) => {
  const x = c.shape(0);
  const axis = c.axis(attrInt(c.node, 'axis', 0), x.length);
  const keep = attrInt(c.node, 'keepdims', 1) === 1;
  const dims: number[] = [];
  x.forEach((d, i) => {
    if (i !== axis) dims.push(d);
    else if (keep) dims.push(1);
  });
  c.out(0, dims, 'int64');
});

rule('TopK', (c: Ctx) => {
  const x = c.shape(0);
  const axis = c.axis(attrInt(c.node, 'axis', -1), x.length);
  const k = c.opset >= 10 ? c.ints(1, 'K')[0] : attrInt(c.node, 'k');
  if (k === undefined) c.fail(`attribute 'k' is required`);
  if (k > x[axis]) c.fail(`k=${k} is larger than the axis extent ${x[axis]}`);
  const dims = x.map((d, i) => (i === axis ? k : d));
  c.out(0, dims, c.dtype(0));
  c.out(1, dims, 'int64');
});

// --- shape manipulation (folded) ---------------------------------------------

rule('Concat', (c: Ctx) => {
  const idx = c.node.inputs.map((_, i) => i).filter((i) => c.has(i));
  const shapes = idx.map((i) => c.shape(i));
  if (shapes.length === 0) c.fail('has no inputs');
  const rank = shapes[0].length;
  const axisAttr = attrInt(c.node, 'axis');
  if (axisAttr === undefined) c.fail(`attribute 'axis' is required`);
  const axis = c.axis(axisAttr, rank);
  const out = [...shapes[0]];
  out[axis] = 0;
  for (const s of shapes) {
    if (s.length !== rank) c.fail(`inputs have different ranks: ${shapes.map((x) => `[${x.join(', ')}]`).join(', ')}`);
    for (let k = 0; k < rank; k++) {
      if (k !== axis && s[k] !== shapes[0][k]) {
        c.fail(`inputs differ outside axis ${axis}: ${shapes.map((x) => `[${x.join(', ')}]`).join(', ')}`);
      }
    }
    out[axis] += s[axis];
  }
  const dtype = c.dtype(idx[0]);
  let value: Tensor | undefined;
  const values = idx.map((i) => c.value(i));
  if (values.every((v) => v !== undefined)) {
    const ts = values as Tensor[];
    const strides = ts.map((t) => stridesOf(t.dims));
    const offsets: number[] = [];
    let acc = 0;
    for (const s of shapes) {
      offsets.push(acc);
      acc += s[axis];
    }
    const src = new Array<number>(rank);
    value = buildTensor(dtype, out, (ix) => {
      let j = offsets.length - 1;
      while (offsets[j] > ix[axis] || shapes[j][axis] === 0) j--;
      for (let k = 0; k < rank; k++) src[k] = ix[k];
      src[axis] -= offsets[j];
      return at(ts[j], strides[j], src);
    });
  }
  c.out(0, out, dtype, value);
});

rule('Split', (c: Ctx) => {
  const x = c.shape(0);
  const axis = c.axis(attrInt(c.node, 'axis', 0), x.length);
  const n = c.node.outputs.length;
  let sizes: number[] | undefined = c.opset >= 13 ? c.optInts(1, 'split') : attrInts(c.node, 'split');
  if (!sizes) {
    const num = c.opset >= 18 ? attrInt(c.node, 'num_outputs') : undefined;
    if (num !== undefined) {
      if (num !== n) c.fail(`num_outputs=${num} but the node has ${n} outputs`);
      const chunk = Math.ceil(x[axis] / num);
      sizes = Array.from({ length: num }, (_, i) => Math.max(0, Math.min(chunk, x[axis] - i * chunk)));
    } else {
      if (x[axis] % n !== 0) c.fail(`axis ${axis} of extent ${x[axis]} cannot be split into ${n} equal parts`);
      sizes = new Array(n).fill(x[axis] / n);
    }
  }
  if (sizes.length !== n) c.fail(`'split' has ${sizes.length} entries for ${n} outputs`);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== x[axis]) c.fail(`split sizes [${sizes.join(', ')}] add up to ${total}, not to the axis extent ${x[axis]}`);
  let offset = 0;
  const v = c.value(0);
  sizes.forEach((s, i) => {
    const dims = x.map((d, k) => (k === axis ? s : d));
    const starts = x.map((_, k) => (k === axis ? offset : 0));
    c.out(i, dims, c.dtype(0), foldSlice(v, dims, starts, x.map(() => 1)));
    offset += s;
  });
});

rule('Slice', (c: Ctx) => {
  const x = c.shape(0);
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (c.opset >= 10) {
    starts = c.ints(1, 'starts');
    ends = c.ints(2, 'ends');
    axes = c.optInts(3, 'axes');
    steps = c.optInts(4, 'steps');
  } else {
    const s = attrInts(c.node, 'starts');
    const e = attrInts(c.node, 'ends');
    if (!s || !e) c.fail(`attributes 'starts' and 'ends' are required`);
    starts = s;
    ends = e;
    axes = attrInts(c.node, 'axes');
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    c.fail('starts, ends, axes and steps must have the same length');
  }
  const out = [...x];
  const first = x.map(() => 0);
  const stride = x.map(() => 1);
  const seen = new Set<number>();
  for (let i = 0; i < starts.length; i++) {
    const a = c.axis(axes[i], x.length);
    if (seen.has(a)) c.fail(`axis ${a} is sliced twice`);
    seen.add(a);
    const dim = x[a];
    const step = steps[i];
    if (step === 0) c.fail('step must not be 0');
    let s = starts[i];
    let e = ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    let len: number;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      len = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      len = Math.max(0, Math.ceil((s - e) / -step));
    }
    out[a] = len;
    first[a] = s;
    stride[a] = step;
  }
  c.out(0, out, c.dtype(0), foldSlice(c.value(0), out, first, stride));
});

rule('Reshape', (c: Ctx) => {
  const x = c.shape(0);
  let target: number[];
  if (c.opset >= 5) target = c.ints(1, 'shape');
  else {
    const s = attrInts(c.node, 'shape');
    if (!s) c.fail(`attribute 'shape' is required`);
    target = s;
  }
  const allowZero = attrInt(c.node, 'allowzero', 0) === 1;
  const total = sizeOf(x);
  const out = target.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= x.length) c.fail(`shape [${target.join(', ')}] copies dim ${i}, which input [${x.join(', ')}] lacks`);
      return x[i];
    }
    return d;
  });
  const inferred = out.filter((d) => d === -1).length;
  if (inferred > 1) c.fail(`shape [${target.join(', ')}] has more than one -1`);
  if (out.some((d) => d < -1)) c.fail(`shape [${target.join(', ')}] has an invalid negative dim`);
  if (inferred === 1) {
    const known = sizeOf(out.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) {
      c.fail(`cannot reshape [${x.join(', ')}] (${total} elements) to [${target.join(', ')}]`);
    }
    out[out.indexOf(-1)] = total / known;
  }
  if (sizeOf(out) !== total) c.fail(`cannot reshape [${x.join(', ')}] (${total} elements) to [${target.join(', ')}]`);
  const v = c.value(0);
  c.out(0, out, c.dtype(0), v && withDims(v, out));
});

rule('Flatten', (c: Ctx) => {
  const x = c.shape(0);
  const a = attrInt(c.node, 'axis', 1);
  const axis = a < 0 ? a + x.length : a;
  if (axis < 0 || axis > x.length) c.fail(`axis ${a} is out of range for rank ${x.length}`);
  const out = [sizeOf(x.slice(0, axis)), sizeOf(x.slice(axis))];
  const v = c.value(0);
  c.out(0, out, c.dtype(0), v && withDims(v, out));
});

rule('Transpose', (c: Ctx) => {
  const x = c.shape(0);
  const perm = attrInts(c.node, 'perm', x.map((_, i) => x.length - 1 - i));
  if (perm.length !== x.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    c.fail(`perm [${perm.join(', ')}] is not a permutation of rank ${x.length}`);
  }
  const out = perm.map((p) => x[p]);
  const v = c.value(0);
  let value: Tensor | undefined;
  if (v) {
    const s = stridesOf(v.dims);
    const src = new Array<number>(x.length);
    value = buildTensor(v.dtype, out, (idx) => {
      for (let k = 0; k < perm.length; k++) src[perm[k]] = idx[k];
      return at(v, s, src);
    });
  }
  c.out(0, out, c.dtype(0), value);
});

rule('Squeeze', (c: Ctx) => {
  const x = c.shape(0);
  const axes = c.opset >= 13 ? c.optInts(1, 'axes') : attrInts(c.node, 'axes');
  let out: number[];
  if (!axes) out = x.filter((d) => d !== 1);
  else {
    const set = new Set(axes.map((a) => c.axis(a, x.length)));
    for (const a of set) if (x[a] !== 1) c.fail(`cannot squeeze axis ${a} of extent ${x[a]} (shape [${x.join(', ')}])`);
    out = x.filter((_, i) => !set.has(i));
  }
  const v = c.value(0);
  c.out(0, out, c.dtype(0), v && withDims(v, out));
});

rule('Unsqueeze', (c: Ctx) => {
  const x = c.shape(0);
  let axes: number[] | undefined;
  if (c.opset >= 13) axes = c.ints(1, 'axes');
  else axes = attrInts(c.node, 'axes');
  if (!axes) c.fail(`'axes' is required`);
  const rank = x.length + axes.length;
  const set = new Set(axes.map((a) => c.axis(a, rank)));
  if (set.size !== axes.length) c.fail(`axes [${axes.join(', ')}] repeat an axis`);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : x[j++]);
  const v = c.value(0);
  c.out(0, out, c.dtype(0), v && withDims(v, out));
});

rule('Expand', (c: Ctx) => {
  const x = c.shape(0);
  const target = c.ints(1, 'shape');
  const out = broadcast(c, [x, target]);
  const v = c.value(0);
  let value: Tensor | undefined;
  if (v) {
    const s = stridesOf(v.dims);
    const off = out.length - x.length;
    const src = new Array<number>(x.length);
    value = buildTensor(v.dtype, out, (idx) => {
      for (let k = 0; k < x.length; k++) src[k] = x[k] === 1 ? 0 : idx[k + off];
      return at(v, s, src);
    });
  }
  c.out(0, out, c.dtype(0), value);
});

rule('Tile', (c: Ctx) => {
  const x = c.shape(0);
  const reps = c.ints(1, 'repeats');
  if (reps.length !== x.length) c.fail(`repeats has ${reps.length} entries for rank ${x.length}`);
  const out = x.map((d, i) => d * reps[i]);
  const v = c.value(0);
  let value: Tensor | undefined;
  if (v) {
    const s = stridesOf(v.dims);
    const src = new Array<number>(x.length);
    value = buildTensor(v.dtype, out, (idx) => {
      for (let k = 0; k < x.length; k++) src[k] = idx[k] % x[k];
      return at(v, s, src);
    });
  }
  c.out(0, out, c.dtype(0), value);
});

rule('Pad', (c: Ctx) => {
  const x = c.shape(0);
  let pads: number[] | undefined;
  let axes: number[] | undefined;
  if (c.opset >= 11) {
    pads = c.ints(1, 'pads');
    axes = c.opset >= 18 ? c.optInts(3, 'axes') : undefined;
  } else {
    pads = attrInts(c.node, 'pads') ?? attrInts(c.node, 'paddings');
  }
  if (!pads) c.fail(`'pads' is required`);
  const ax = (axes ?? x.map((_, i) => i)).map((a) => c.axis(a, x.length));
  if (pads.length !== 2 * ax.length) c.fail(`pads has ${pads.length} entries for ${ax.length} axes`);
  const out = [...x];
  ax.forEach((a, i) => {
    out[a] = x[a] + pads[i] + pads[i + ax.length];
    if (out[a] < 0) c.fail(`pads [${pads.join(', ')}] make axis ${a} negative`);
  });
  c.out(0, out, c.dtype(0));
});

function resizeOut(c: Ctx, x: number[], scales: number[] | undefined, sizes: number[] | undefined): number[] {
  const axesAttr = c.opset >= 18 ? attrInts(c.node, 'axes') : undefined;
  const axes = (axesAttr ?? x.map((_, i) => i)).map((a) => c.axis(a, x.length));
  if (sizes) {
    if (sizes.length !== axes.length) c.fail(`sizes has ${sizes.length} entries for ${axes.length} axes`);
    const out = [...x];
    const policy = c.opset >= 18 ? attrString(c.node, 'keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy === 'stretch') {
      axes.forEach((a, i) => (out[a] = sizes[i]));
    } else {
      const ratios = axes.map((a, i) => sizes[i] / x[a]);
      const r = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => (out[a] = Math.round(r * x[a])));
    }
    return out;
  }
  if (!scales) c.fail('needs either scales or sizes');
  if (scales.length !== axes.length) c.fail(`scales has ${scales.length} entries for ${axes.length} axes`);
  const out = [...x];
  axes.forEach((a, i) => {
    if (scales[i] <= 0) c.fail(`scale ${scales[i]} must be positive`);
    // floor(dim * scale), the product taken in float32 like the runtimes do.
    out[a] = Math.floor(Math.fround(x[a] * Math.fround(scales[i])));
  });
  return out;
}

rule('Resize', (c: Ctx) => {
  const x = c.shape(0);
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (c.opset < 11) scales = c.ints(1, 'scales');
  else {
    scales = c.optInts(2, 'scales');
    sizes = c.optInts(3, 'sizes');
  }
  c.out(0, resizeOut(c, x, scales, sizes), c.dtype(0));
});

rule('Upsample', (c: Ctx) => {
  const x = c.shape(0);
  let scales: number[] | undefined;
  if (c.opset >= 9) scales = c.ints(1, 'scales');
  else {
    scales = attrFloats(c.node, 'scales');
    if (!scales) {
      const h = attrFloat(c.node, 'height_scale');
      const w = attrFloat(c.node, 'width_scale');
      if (h !== undefined && w !== undefined) scales = [1, 1, h, w];
    }
  }
  if (!scales) c.fail(`'scales' is required`);
  if (scales.length !== x.length) c.fail(`scales has ${scales.length} entries for rank ${x.length}`);
  c.out(0, x.map((d, i) => Math.floor(Math.fround(d * Math.fround(scales[i])))), c.dtype(0));
});

rule('DepthToSpace', (c: Ctx) => {
  const x = c.shape(0);
  const b = attrInt(c.node, 'blocksize');
  if (b === undefined || x.length !== 4) c.fail(`expects a 4-D input and a 'blocksize'`);
  if (x[1] % (b * b) !== 0) c.fail(`channels ${x[1]} are not divisible by blocksize^2 = ${b * b}`);
  c.out(0, [x[0], x[1] / (b * b), x[2] * b, x[3] * b], c.dtype(0));
});

rule('SpaceToDepth', (c: Ctx) => {
  const x = c.shape(0);
  const b = attrInt(c.node, 'blocksize');
  if (b === undefined || x.length !== 4) c.fail(`expects a 4-D input and a 'blocksize'`);
  if (x[2] % b !== 0 || x[3] % b !== 0) c.fail(`spatial dims ${x[2]}x${x[3]} are not divisible by blocksize ${b}`);
  c.out(0, [x[0], x[1] * b * b, x[2] / b, x[3] / b], c.dtype(0));
});

rule('GridSample', (c: Ctx) => {
  const x = c.shape(0);
  const g = c.shape(1);
  c.out(0, [x[0], x[1], ...g.slice(1, -1)], c.dtype(0));
});

// --- constants, shapes, casts -------------------------------------------------

rule('Constant', (c: Ctx) => {
  const n = c.node;
  let t: Tensor | undefined = attrTensor(n, 'value');
  if (!t) {
    const a = n.attrs;
    if (a.value_float?.kind === 'float') t = makeTensor('float32', [], [a.value_float.value]);
    else if (a.value_floats?.kind === 'floats') t = makeTensor('float32', [a.value_floats.value.length], a.value_floats.value);
    else if (a.value_int?.kind === 'int') t = int64Tensor([a.value_int.value], []);
    else if (a.value_ints?.kind === 'ints') t = int64Tensor(a.value_ints.value);
    else if (a.value_string?.kind === 'string') {
      c.out(0, [], 'string');
      return;
    } else if (a.value_strings?.kind === 'strings') {
      c.out(0, [a.value_strings.value.length], 'string');
      return;
    } else c.fail('has no supported value attribute (sparse_value is not supported)');
  }
  c.out(0, t.dims, t.dtype, t);
});

rule('Shape', (c: Ctx) => {
  const x = c.shape(0);
  let start = 0;
  let end = x.length;
  if (c.opset >= 15) {
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + x.length : v, 0), x.length);
    start = clamp(attrInt(c.node, 'start', 0));
    end = clamp(attrInt(c.node, 'end', x.length));
  }
  const dims = x.slice(start, Math.max(start, end));
  c.out(0, [dims.length], 'int64', int64Tensor(dims));
});

rule('Size', (c: Ctx) => c.out(0, [], 'int64', int64Tensor([sizeOf(c.shape(0))], [])));

rule('Gather', (c: Ctx) => {
  const x = c.shape(0);
  const ind = c.shape(1);
  if (x.length === 0) c.fail('cannot gather from a scalar');
  const axis = c.axis(attrInt(c.node, 'axis', 0), x.length);
  const out = [...x.slice(0, axis), ...ind, ...x.slice(axis + 1)];
  const data = c.value(0);
  const indices = c.value(1);
  let value: Tensor | undefined;
  if (data && indices) {
    const iv = numbersOf(indices);
    if (iv) {
      for (const i of iv) if (i < -x[axis] || i >= x[axis]) c.fail(`index ${i} is out of range for axis ${axis} of extent ${x[axis]}`);
      const s = stridesOf(x);
      const is = stridesOf(ind);
      const src = new Array<number>(x.length);
      value = buildTensor(data.dtype, out, (idx) => {
        for (let k = 0; k < axis; k++) src[k] = idx[k];
        let off = 0;
        for (let k = 0; k < ind.length; k++) off += idx[axis + k] * is[k];
        const j = iv[off];
        src[axis] = j < 0 ? j + x[axis] : j;
        for (let k = axis + 1; k < x.length; k++) src[k] = idx[k - 1 + ind.length];
        return at(data, s, src);
      });
    }
  }
  c.out(0, out, c.dtype(0), value);
});

rule('GatherElements', (c: Ctx) => {
  const x = c.shape(0);
  const ind = c.shape(1);
  if (ind.length !== x.length) c.fail(`indices rank ${ind.length} differs from data rank ${x.length}`);
  c.axis(attrInt(c.node, 'axis', 0), x.length);
  c.out(0, ind, c.dtype(0));
});

rule('GatherND', (c: Ctx) => {
  const x = c.shape(0);
  const ind = c.shape(1);
  const b = attrInt(c.node, 'batch_dims', 0);
  const last = ind[ind.length - 1];
  if (b + last > x.length) c.fail(`indices of depth ${last} with batch_dims=${b} exceed data rank ${x.length}`);
  c.out(0, [...ind.slice(0, -1), ...x.slice(b + last)], c.dtype(0));
});

rule(['ScatterElements', 'ScatterND', 'Scatter'], (c: Ctx) => c.out(0, c.shape(0), c.dtype(0)));

rule('ConstantOfShape', (c: Ctx) => {
  const dims = c.ints(0, 'shape');
  for (const d of dims) if (d < 0) c.fail(`shape [${dims.join(', ')}] has a negative dim`);
  const v = attrTensor(c.node, 'value');
  const dtype = v ? v.dtype : 'float32';
  let value: Tensor | undefined;
  if (sizeOf(dims) <= MAX_CONSTANT_ELEMENTS) {
    const fill: Scalar = v ? v.data[0] : 0;
    value = buildTensor(dtype, dims, () => fill);
  }
  c.out(0, dims, dtype, value);
});

rule('Cast', (c: Ctx) => {
  const to = attrInt(c.node, 'to');
  if (to === undefined) c.fail(`attribute 'to' is required`);
  const dtype = dtypeFromCode(to);
  const x = c.shape(0);
  const v = c.value(0);
  let value: Tensor | undefined;
  if (v) {
    if (v.dtype === dtype) value = v;
    else if (NUMERIC.has(dtype)) {
      const nums = numbersOf(v);
      if (nums) {
        if (dtype === 'float32') for (let i = 0; i < nums.length; i++) nums[i] = Math.fround(nums[i]);
        value = makeTensor(dtype, x, nums);
      }
    }
  }
  c.out(0, x, dtype, value);
});

rule('CastLike', (c: Ctx) => {
  const dtype = c.dtype(1);
  const x = c.shape(0);
  const v = c.value(0);
  let value: Tensor | undefined;
  if (v && NUMERIC.has(dtype)) {
    const nums = numbersOf(v);
    if (nums) value = makeTensor(dtype, x, nums);
  }
  c.out(0, x, dtype, value);
});

rule('Range', (c: Ctx) => {
  const [start] = c.ints(0, 'start');
  const [limit] = c.ints(1, 'limit');
  const [delta] = c.ints(2, 'delta');
  if (delta === 0) c.fail('delta must not be 0');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  const dtype = c.dtype(0);
  let value: Tensor | undefined;
  if (n <= MAX_CONSTANT_ELEMENTS) {
    const vals = Array.from({ length: n }, (_, i) => start + i * delta);
    value = makeTensor(dtype, [n], vals);
  }
  c.out(0, [n], dtype, value);
});

rule('NonZero', (c: Ctx) => {
  const v = c.value(0);
  const vals = v && numbersOf(v);
  if (!v || !vals) {
    c.fail(
      `NonZero has a data-dependent output shape (the number of non-zero elements of '${c.node.inputs[0]}' ` +
        'is only known at run time), so it cannot be compiled to a static graph',
    );
  }
  const hits: number[] = [];
  vals.forEach((x, i) => {
    if (x !== 0) hits.push(i);
  });
  const s = stridesOf(v.dims);
  const out = [v.dims.length, hits.length];
  const coords: number[] = [];
  for (let k = 0; k < v.dims.length; k++) for (const h of hits) coords.push(Math.floor(h / s[k]) % v.dims[k]);
  c.out(0, out, 'int64', makeTensor('int64', out, coords));
});

for (const op of ['Unique', 'NonMaxSuppression', 'Compress', 'Loop', 'If', 'Scan']) {
  rule(op, (c: Ctx) => c.fail(`${op} has a data-dependent output shape (or a subgraph), which static shape inference does not support`));
}

rule('QuantizeLinear', (c: Ctx) => c.out(0, c.shape(0), c.has(2) ? c.dtype(2) : 'uint8'));
rule('DequantizeLinear', (c: Ctx) => c.out(0, c.shape(0), c.dtype(1)));

/** Op types with a shape rule. */
export const SUPPORTED_OPS: readonly string[] = [...rules.keys()].sort();

// ---------------------------------------------------------------------------
// driver

/** Kahn's algorithm, keeping the file order among ready nodes. */
function topoSort(graph: Graph, known: Set<string>): Node[] {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const pending = new Array<number>(graph.nodes.length).fill(0);
  const consumers = graph.nodes.map(() => [] as number[]);
  graph.nodes.forEach((n, i) => {
    for (const x of new Set(n.inputs)) {
      if (!x || known.has(x)) continue;
      const p = producer.get(x);
      if (p === undefined) {
        throw new ShapeInferenceError(
          `value '${x}' used by ${n.opType} node '${n.name}' is not produced by any node, graph input or initializer`,
        );
      }
      pending[i]++;
      consumers[p].push(i);
    }
  });
  const order: Node[] = [];
  const ready = pending.map((p, i) => (p === 0 ? i : -1)).filter((i) => i >= 0);
  while (ready.length > 0) {
    const i = ready.shift() as number;
    order.push(graph.nodes[i]);
    for (const j of consumers[i]) if (--pending[j] === 0) ready.push(j);
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.find((_, i) => pending[i] > 0);
    throw new ShapeInferenceError(`the graph has a cycle through node '${stuck?.name}'`);
  }
  return order;
}

/**
 * Infer the concrete shape and dtype of every value in `graph`, given concrete shapes
 * for its inputs (graph inputs with fully static declared shapes may be left out).
 */
export function inferShapes(graph: Graph, inputShapes: Record<string, number[]>): ShapeInfo {
  const st: State = {
    graph,
    opset: graph.opset || 21,
    shapes: new Map(),
    dtypes: new Map(),
    constants: new Map(),
  };
  const inputNames = new Set(graph.inputs.map((i) => i.name));
  for (const name of Object.keys(inputShapes)) {
    if (!inputNames.has(name) && !graph.initializers.has(name)) {
      throw new ShapeInferenceError(
        `a shape was given for '${name}', which is not an input of the graph (inputs: ${[...inputNames].join(', ') || 'none'})`,
      );
    }
  }
  for (const init of graph.initializers.values()) {
    st.shapes.set(init.name, [...init.dims]);
    st.dtypes.set(init.name, init.dtype);
    if (sizeOf(init.dims) <= MAX_CONSTANT_ELEMENTS && init.dtype !== 'string') {
      try {
        st.constants.set(init.name, init.value());
      } catch {
        // an initializer we cannot decode is simply not a folding source
      }
    }
  }
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    let shape = inputShapes[input.name];
    if (!shape) {
      if (input.shape && input.shape.every((d): d is number => typeof d === 'number')) shape = input.shape;
      else {
        throw new ShapeInferenceError(
          `no shape given for graph input '${input.name}' (declared as [${(input.shape ?? []).map((d) => d ?? '?').join(', ')}])`,
        );
      }
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeInferenceError(`input '${input.name}' has an invalid shape [${shape.join(', ')}]`);
    }
    st.shapes.set(input.name, [...shape]);
    st.dtypes.set(input.name, input.dtype);
  }

  // Topologically sorted already? (ONNX files normally are.)
  const known = new Set<string>([...st.shapes.keys()]);
  let sorted = true;
  const seen = new Set(known);
  for (const n of graph.nodes) {
    if (n.inputs.some((x) => x && !seen.has(x))) {
      sorted = false;
      break;
    }
    for (const o of n.outputs) if (o) seen.add(o);
  }
  const order = sorted ? graph.nodes : topoSort(graph, known);

  for (const node of order) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      throw new ShapeInferenceError(
        `no shape rule for op '${node.opType}' of domain '${node.domain}' (node '${node.name}'); only default-domain ONNX ops are supported`,
      );
    }
    const r = rules.get(node.opType);
    if (!r) {
      throw new ShapeInferenceError(
        `no shape rule for op '${node.opType}' (node '${node.name}'); supported: ${SUPPORTED_OPS.join(', ')}`,
      );
    }
    r(new Ctx(node, st));
    for (const o of node.outputs) {
      if (o && !st.shapes.has(o)) {
        throw new ShapeInferenceError(`${node.opType} node '${node.name}': output '${o}' got no shape`);
      }
    }
  }
  return { shapes: st.shapes, dtypes: st.dtypes, constants: st.constants };
}
