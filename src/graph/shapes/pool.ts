/**
 * Shape rules: Convolution and pooling: output sizes from kernels, strides, pads and dilations.
 */
import { attrInt, attrInts } from '../ir.js';
import { Ctx, spatialAttrs, windowOut, pool, rule } from './context.js';

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
