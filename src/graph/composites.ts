/**
 * Composite ops: groups of forward nodes that exporters write for one function, differentiated
 * as one. The group's nodes stay in the forward graph as they are; the backward pass skips
 * the inner ones and gives the last one a single rule from the group's input to its output,
 * with fewer full-size element-wise passes than the chain of per-node rules.
 *
 * - GELU as PyTorch exports it below opset 20: y = (x * (Erf(x / sqrt 2) + 1)) * 0.5. Per-node
 *   rules take ten passes over the tensor (the Mul, Add, Erf and Div rules and the sum of the two
 *   paths to x); dy/dx = Phi(x) + x phi(x) = 0.5 (Erf(u) + 1) + u exp(-u^2) / sqrt(pi), u = x / sqrt 2,
 *   read from the forward's u and Erf(u) + 1, takes seven.
 *
 * - Attention's Softmax followed by its MatMul with V (matchAttention below).
 *
 * A group is used only when its inner tensors are not asked for (taps, seeds, outputs), are read
 * by nothing outside the group, and the rule set differentiates its ops with the plain gradient
 * rules (a propagation rule set that changes one of them sees the nodes one by one).
 */
import type { Node } from './ir.js';
import { attrInts } from './ir.js';
import type { BackwardRule, GradContext, RuleSet } from './autodiff.js';
import { gradientRules } from './rules/gradient.js';
import { softmaxAxes } from './rules/elementwise.js';

export interface Composite {
  /** The forward nodes of the group, in graph order; the last one produces its output. */
  members: Node[];
  /** The backward rule of the group: from the last member's output cotangent to the group's inputs. */
  rule: BackwardRule;
  /** The node the rule sees: the group's inputs and output. */
  node: Node;
}

const near = (v: number | undefined, want: number) => v !== undefined && Math.abs(v - want) <= 1e-6 * Math.abs(want);

/** GELU's Erf form: (x * (Erf(x / sqrt 2) + 1)) * 0.5, operands of Mul and Add in either order. */
function matchGelu(last: Node, producer: Map<string, Node>, scalarOf: (t: string) => number | undefined): Composite | undefined {
  const other = (n: Node, t: string) => (n.inputs[0] === t ? n.inputs[1] : n.inputs[0]);
  const pick = (n: Node, op: string, test: (t: string) => boolean) => {
    if (n.opType !== 'Mul' && n.opType !== 'Add') return undefined;
    const hit = n.inputs.find((t) => producer.get(t)?.opType === op && test(other(n, t)));
    return hit === undefined ? undefined : producer.get(hit);
  };
  if (last.opType !== 'Mul' || last.inputs.length !== 2) return undefined;
  const product = pick(last, 'Mul', (t) => near(scalarOf(t), 0.5));
  if (!product) return undefined;
  // x * (Erf(...) + 1): x may itself come from an Add (a bias), so look for the Add fed by an Erf
  const plus = product.inputs.map((t) => producer.get(t)).find((n) => n?.opType === 'Add' && pick(n, 'Erf', (t) => near(scalarOf(t), 1)));
  if (!plus) return undefined;
  const x = other(product, plus.outputs[0]);
  const erf = pick(plus, 'Erf', (t) => near(scalarOf(t), 1))!;
  const scaled = producer.get(erf.inputs[0]);
  if (!scaled || scaled.inputs[0] !== x || scaled.inputs.length !== 2) return undefined;
  const c = scalarOf(scaled.inputs[1]);
  if (!(scaled.opType === 'Div' && near(c, Math.SQRT2)) && !(scaled.opType === 'Mul' && near(c, Math.SQRT1_2))) return undefined;
  const u = scaled.outputs[0];
  const a = plus.outputs[0];
  const y = last.outputs[0];
  const rule: BackwardRule = (_node, [dY], ctx: GradContext) => {
    const s = (v: number) => ctx.scalar(v, ctx.dtype(x));
    // q = u exp(-u^2) as u / exp(u^2); dx = dY 0.5 (A + 2 q / sqrt(pi)), A = Erf(u) + 1
    const q = ctx.op('Div', [u, ctx.op('Exp', [ctx.op('Mul', [u, u])])]);
    const d = ctx.op('Add', [a, ctx.op('Mul', [q, s(2 / Math.sqrt(Math.PI))])]);
    return [ctx.op('Mul', [ctx.op('Mul', [dY!, s(0.5)]), d])];
  };
  const node: Node = { name: `${last.name}/gelu`, opType: 'Gelu', domain: '', inputs: [x], outputs: [y], attrs: {} };
  return { members: [scaled, erf, plus, product, last], rule, node };
}

/**
 * rowsum(dO * O) over the last axis. When O is read by a Transpose (ViT's heads back to
 * sequence-first) dO is that Transpose's backward, Transpose(dO'): the product is taken in the
 * transposed layout, Transpose(rowsum(dO' * O')), so dO itself need not be materialised (the
 * MatMuls read it through their transBatch flags).
 */
function rowSums(ctx: GradContext, dO: string, o: string, rank: number): string {
  const back = ctx.producer(dO);
  const perm = back?.opType === 'Transpose' ? attrInts(back, 'perm') : undefined;
  const forward = perm && ctx.graph.nodes.find((n) => n.opType === 'Transpose' && n.inputs[0] === o && !n.name.startsWith('grad/'));
  const fPerm = forward ? attrInts(forward, 'perm') : undefined;
  // the backward's perm undoes the forward's, and O's last axis stays last
  if (!back || !perm || !forward || !fPerm || fPerm.length !== rank || fPerm[rank - 1] !== rank - 1 || perm.some((p, i) => fPerm[p] !== i)) {
    return ctx.reduceSum(ctx.op('Mul', [dO, o]), [rank - 1], true);
  }
  const swapped = ctx.reduceSum(ctx.op('Mul', [back.inputs[0], forward.outputs[0]]), [rank - 1], true);
  return ctx.op('Transpose', [swapped], { perm: { kind: 'ints', value: perm } });
}

/**
 * Attention's Softmax read by one MatMul, O = Softmax(S) @ V over S's last axis. The Softmax
 * rule's row sums sum_j dP_ij P_ij (with dP = dO V^T) equal sum_d dO_id O_id, so they are taken
 * over the head width of O instead of the key length of P: the Mul and ReduceSum over the
 * [.., T, T] attention weights become a Mul and ReduceSum over [.., T, d] (FlashAttention's
 * backward does the same). dS = P (dP - rowsum(dO O)); dP and dV by the MatMul rule.
 */
function matchAttention(last: Node, producer: Map<string, Node>): Composite | undefined {
  if (last.opType !== 'MatMul') return undefined;
  const softmax = producer.get(last.inputs[0]);
  if (softmax?.opType !== 'Softmax') return undefined;
  const [p, v] = last.inputs;
  const o = last.outputs[0];
  const rule: BackwardRule = (_node, [dO], ctx: GradContext) => {
    const rank = ctx.shape(p).length;
    const axes = softmaxAxes(softmax, ctx);
    const [dP, dV] = gradientRules.MatMul(last, [dO], ctx);
    if (dP === undefined) return [undefined, dV];
    // rows of O line up with rows of P unless the MatMul broadcast P, or P is 1-D / softmaxed elsewhere
    const oShape = ctx.shape(o);
    const aligned = rank >= 2 && axes.length === 1 && axes[0] === rank - 1 && oShape.length === rank && oShape.slice(0, -1).every((d, i) => d === ctx.shape(p)[i]);
    const rows = aligned ? rowSums(ctx, dO!, o, rank) : undefined;
    const dS = rows ? ctx.op('Mul', [p, ctx.op('Sub', [dP, rows])]) : gradientRules.Softmax(softmax, [dP], ctx)[0];
    return [dS, dV];
  };
  const node: Node = { name: `${last.name}/attention`, opType: 'SoftmaxMatMul', domain: '', inputs: [softmax.inputs[0], v], outputs: [o], attrs: {} };
  return { members: [softmax, last], rule, node };
}

/**
 * The composites of a forward graph, by member node. `keep` holds the tensors asked for
 * (outputs, seeds, wrt): a group whose inner tensor is one of them is left to per-node rules.
 */
export function findComposites(
  nodes: readonly Node[],
  graphOutputs: readonly string[],
  rules: RuleSet,
  keep: ReadonlySet<string>,
  scalarOf: (t: string) => number | undefined,
): Map<Node, Composite> {
  const found = new Map<Node, Composite>();
  const plain = (ops: string[]) => ops.every((op) => rules[op] === gradientRules[op]);
  const matchers: Array<(last: Node) => Composite | undefined> = [];
  if (plain(['Mul', 'Add', 'Div', 'Erf'])) matchers.push((last) => matchGelu(last, producer, scalarOf));
  if (plain(['Softmax', 'MatMul'])) matchers.push((last) => matchAttention(last, producer));
  if (!matchers.length) return found;
  const producer = new Map<string, Node>();
  const readers = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n);
    for (const i of n.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  }
  for (const o of graphOutputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  for (const last of nodes) {
    const c = matchers.map((match) => match(last)).find((m) => m !== undefined);
    if (!c) continue;
    const inner = c.members.slice(0, -1).map((n) => n.outputs[0]);
    if (inner.some((t) => keep.has(t) || readers.get(t) !== 1 || c.members.some((m) => found.has(m)))) continue;
    for (const m of c.members) found.set(m, c);
  }
  return found;
}
