/**
 * Shape rules: Normalisation layers: the output is shaped like the input.
 */
import { attrInt } from '../ir.js';
import { dtypeFromCode } from '../onnx.js';
import { Ctx, rule } from './context.js';

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
