/**
 * Shape rules: Reductions over axes (kept or dropped), folded when the input is known.
 */
import type { Tensor } from '../ir.js';
import { attrInt } from '../ir.js';
import { withDims } from './fold.js';
import { Ctx, reduceAxes, reduceShape, foldReduce, rule } from './context.js';

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
