/**
 * Shape rules: Shape manipulation (folded when the data is known): Reshape, Transpose, Concat, Slice, Gather, Resize ...
 */
import type { Tensor } from '../ir.js';
import { attrFloat, attrFloats, attrInt, attrInts, attrString, sizeOf } from '../ir.js';
import { stridesOf, buildTensor, at, withDims } from './fold.js';
import { Ctx, broadcast, foldSlice, rule } from './context.js';

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
