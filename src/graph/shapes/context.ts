/**
 * The inference state, what a shape rule sees of one node (Ctx), the rule table every
 * family file registers into, and shape logic shared by families (broadcasting,
 * windows, reductions, folding of elementwise ops and slices).
 */
import type { DType, Graph, Node, Tensor } from '../ir.js';
import { attrInt, attrInts, attrString, sizeOf } from '../ir.js';
import { ShapeInferenceError, MAX_CONSTANT_ELEMENTS } from './types.js';
import { NUMERIC, isFloat, numbersOf, makeTensor, stridesOf, buildTensor, at } from './fold.js';

// ---------------------------------------------------------------------------
// inference state

export interface State {
  graph: Graph;
  opset: number;
  shapes: Map<string, number[]>;
  dtypes: Map<string, DType>;
  constants: Map<string, Tensor>;
}

/** What a shape rule sees of one node. */
export class Ctx {
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

export type Rule = (c: Ctx) => void;

// ---------------------------------------------------------------------------
// shared shape logic

export function broadcast(c: Ctx, shapes: number[][]): number[] {
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
export function foldElementwise(
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

export function spatialAttrs(c: Ctx, spatial: number, kernel: number[]) {
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
export function windowOut(
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

export function pool(c: Ctx): void {
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

export function reduceAxes(c: Ctx, fromOpset: number): number[] | undefined {
  if (c.opset >= fromOpset) return c.optInts(1, 'axes');
  return attrInts(c.node, 'axes');
}

/** Output dims of a reduction; `axes` undefined or empty means all (unless noop). */
export function reduceShape(c: Ctx, x: number[], axes: number[] | undefined, keep: boolean): { dims: number[]; set: Set<number> } {
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

export function foldReduce(op: string, t: Tensor | undefined, set: Set<number>, outDims: number[]): Tensor | undefined {
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
export function foldSlice(t: Tensor | undefined, outDims: number[], starts: number[], steps: number[]): Tensor | undefined {
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

export const rules = new Map<string, Rule>();
export function rule(ops: string | string[], r: Rule): void {
  for (const op of Array.isArray(ops) ? ops : [ops]) rules.set(op, r);
}
