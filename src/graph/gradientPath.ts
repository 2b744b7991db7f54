/**
 * Which nodes the reverse-mode rewrite (autodiff.ts) differentiates: those on the
 * differentiable path from the tensors differentiated (`wrt`) to the seeded outputs.
 * Both the rewrite and the up-front check ("does this model have a backward rule for
 * every op it needs?") use these functions, so the check refuses exactly what the
 * rewrite would fail on, and nothing else: a Where, Mod or ScatterND computing shapes or
 * a constant attention mask (ViT, Swin) is not on the path and needs no rule.
 */
import type { DType, Graph, Node } from './ir.js';
import type { ShapeInfo } from './shapes.js';

/** Op types whose outputs carry no gradient (their outputs are constants for differentiation). */
export const NON_DIFFERENTIABLE = new Set([
  'Shape',
  'Size',
  'Constant',
  'ConstantOfShape',
  'Equal',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'Range',
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'EyeLike',
  'Sign',
  'Floor',
  'Ceil',
  'Round',
  'IsNaN',
  'IsInf',
]);

const FLOAT_TYPES = new Set<DType>(['float32', 'float64', 'float16', 'bfloat16']);

/** Forward activity: the float tensors that depend on a `wrt` tensor through differentiable ops. */
export function activeTensors(forward: Graph, info: ShapeInfo, wrt: readonly string[]): Set<string> {
  const active = new Set<string>(wrt);
  for (const n of forward.nodes) {
    if (NON_DIFFERENTIABLE.has(n.opType)) continue;
    if (!n.inputs.some((i) => active.has(i))) continue;
    for (const o of n.outputs) if (o && FLOAT_TYPES.has(info.dtypes.get(o) ?? 'float32')) active.add(o);
  }
  return active;
}

/** Backward relevance: the tensors some seed depends on (through any op). */
export function relevantTensors(forward: Graph, seeds: readonly string[]): Set<string> {
  const relevant = new Set<string>(seeds);
  for (let i = forward.nodes.length - 1; i >= 0; i--) {
    const n = forward.nodes[i];
    if (n.outputs.some((o) => relevant.has(o))) for (const x of n.inputs) if (x) relevant.add(x);
  }
  return relevant;
}

/**
 * The nodes whose backward rule the rewrite calls, in the order it calls them (reverse
 * topological): a node is differentiated when one of its active outputs receives a
 * cotangent, and it passes cotangents on to its active inputs.
 */
export function gradientPath(forward: Graph, info: ShapeInfo, seeds: readonly string[], wrt: readonly string[]): Node[] {
  const active = activeTensors(forward, info, wrt);
  const relevant = relevantTensors(forward, seeds);
  const receives = new Set<string>(seeds.filter((s) => active.has(s)));
  const path: Node[] = [];
  for (let i = forward.nodes.length - 1; i >= 0; i--) {
    const node = forward.nodes[i];
    if (!node.outputs.some((o) => o && active.has(o) && relevant.has(o) && receives.has(o))) continue;
    path.push(node);
    for (const x of node.inputs) if (x && active.has(x)) receives.add(x);
  }
  return path;
}

export interface MissingRule {
  /** The node's name in the model file. */
  node: string;
  opType: string;
}

/** Nodes on the gradient path without a backward rule (or in a custom op domain), in graph order. */
export function missingBackwardRules(
  forward: Graph,
  info: ShapeInfo,
  request: { seeds: readonly string[]; wrt: readonly string[]; rules: Readonly<Record<string, unknown>>; nodeRules?: (node: Node) => unknown },
): MissingRule[] {
  // the rewrite's choice: a per-node rule, else the op type's rule (autodiff.ts)
  const ruleOf = (n: Node) => request.nodeRules?.(n) ?? request.rules[n.opType];
  return gradientPath(forward, info, request.seeds, request.wrt)
    .filter((n) => !ruleOf(n) || n.domain !== '')
    .map((n) => ({ node: n.name, opType: n.domain ? `${n.domain}.${n.opType}` : n.opType }))
    .reverse();
}
