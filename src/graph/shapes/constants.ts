/**
 * Shape rules: Constants, shapes and casts: Constant, Shape, Size, ConstantOfShape, Range, Cast ...
 */
import type { Tensor } from '../ir.js';
import { attrInt, attrTensor, int64Tensor, sizeOf } from '../ir.js';
import { dtypeFromCode } from '../onnx.js';
import { MAX_CONSTANT_ELEMENTS } from './types.js';
import { type Scalar, NUMERIC, numbersOf, makeTensor, stridesOf, buildTensor, at } from './fold.js';
import { Ctx, rule } from './context.js';

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
