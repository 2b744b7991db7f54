/**
 * Shape rules: Linear algebra: MatMul, Gemm and friends.
 */
import { attrInt } from '../ir.js';
import { Ctx, broadcast, rule } from './context.js';

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
