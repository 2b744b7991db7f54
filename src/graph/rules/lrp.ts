/**
 * Layer-wise relevance propagation (Bach et al. 2015; Montavon et al. 2017, 2019) as
 * backward rules, following Zennit's definitions (zennit/rules.py): each rule evaluates
 * the layer again on modified inputs and parameters, divides the incoming relevance by the
 * stabilised modified output, sends the quotient back through the layer's transpose and
 * multiplies by the modified inputs. In ONNX: the layer is re-emitted with modified
 * initializers (Relu(W), Min(W, 0) ... which onnxruntime folds at load) and the transpose
 * is the plain gradient rule of the op applied to the quotient.
 *
 * Stabiliser (Zennit's and Captum's): z + eps * (z >= 0 ? 1 : -1).
 *
 * Rules for linear ops (Conv, ConvTranspose, Gemm, MatMul; AveragePool and
 * GlobalAveragePool take `norm`, the epsilon rule without parameters):
 *   epsilon(e)      R_i = x_i sum_j w_ij R_j / stab_e(z_j)
 *   zplus           alpha-beta (1, 0): positive contributions (x+ W+ + b+, x- W-)
 *   alphabeta(a, b) a * positive part - b * negative part
 *   gamma(g)        Zennit's generalised gamma: W + g W+ for positive outputs, W + g W- for negative ones
 *   gammaoriginal(g) Montavon et al. 2019's gamma as Captum's GammaRule: the z-rule on W + g W+, bias unchanged
 *   zbox(l, h)      z^B for bounded inputs: x W - l W+ - h W-
 *   flat            all weights 1, inputs 1, no bias: relevance spread uniformly over the receptive field
 *   wsquare         weights squared, inputs 1
 * and for other ops: pass (relevance unchanged through elementwise activations), norm
 * (Add / Sum: relevance split in proportion to each summand, Zennit's residual handling).
 */
import type { Node } from '../ir.js';
import type { BackwardRule, GradContext } from '../autodiff.js';
import { foldBatchNorm } from '../canonize.js';
import { gradientRules } from './gradient.js';
import type { RuleSetDefinition } from './index.js';
import { overrideNodes, type NodeMatch } from './overrides.js';

export type LrpRule =
  | { kind: 'epsilon'; epsilon: number }
  | { kind: 'zplus'; stabilizer?: number }
  | { kind: 'alphabeta'; alpha: number; beta: number; stabilizer?: number }
  | { kind: 'gamma'; gamma: number; stabilizer?: number }
  | { kind: 'gammaoriginal'; gamma: number; stabilizer?: number }
  | { kind: 'zbox'; low: number | readonly number[]; high: number | readonly number[]; stabilizer?: number }
  | { kind: 'flat'; stabilizer?: number }
  | { kind: 'wsquare'; stabilizer?: number }
  | { kind: 'norm'; stabilizer?: number }
  | { kind: 'pass' }
  | { kind: 'gradient' };

/** Zennit's default stabiliser. */
export const DEFAULT_STABILIZER = 1e-6;

type Mod = (ctx: GradContext, t: string) => string;
const same: Mod = (_ctx, t) => t;
const pos: Mod = (ctx, t) => ctx.op('Relu', [t]);
const neg: Mod = (ctx, t) => ctx.op('Min', [t, ctx.scalar(0, ctx.dtype(t))]);
const plus = (g: number, part: Mod): Mod => (ctx, t) => ctx.op('Add', [t, ctx.op('Mul', [part(ctx, t), ctx.scalar(g, ctx.dtype(t))])]);
const squared: Mod = (ctx, t) => ctx.op('Mul', [t, t]);
const ones: Mod = (ctx, t) => filled(ctx, ctx.shape(t), 1);

function filled(ctx: GradContext, dims: readonly number[], value: number): string {
  return ctx.op('ConstantOfShape', [ctx.ints(dims)], {
    value: { kind: 'tensor', value: { dtype: 'float32', dims: [1], data: Float32Array.of(value) } },
  });
}

/** One evaluation of the layer: input modifier, weight modifier, bias modifier (null: no bias). */
interface Term {
  input: Mod | string;
  weight: Mod;
  bias: Mod | null;
}

function stabilize(ctx: GradContext, z: string, eps: number): string {
  const d = ctx.dtype(z);
  return ctx.op('Add', [z, ctx.op('Where', [ctx.op('Less', [z, ctx.scalar(0, d)]), ctx.scalar(-eps, d), ctx.scalar(eps, d)])]);
}

/** The layer on modified input/parameters, and the transpose of its linear part applied to s. */
function evaluate(node: Node, ctx: GradContext, term: Term): { input: string; z: string; back: (s: string) => string } {
  const [x, w, b] = node.inputs;
  const input = typeof term.input === 'string' ? term.input : term.input(ctx, x);
  const wk = term.weight(ctx, w);
  const bk = b && term.bias ? term.bias(ctx, b) : undefined;
  const inputs = bk ? [input, wk, bk] : [input, wk];
  const z = ctx.op(node.opType, inputs, node.attrs);
  // modified tensors have their originals' shapes (the transposes read the weight's)
  const known = [[input, x], [wk, w], [bk, b], [z, node.outputs[0]]] as const;
  for (const [t, like] of known) if (t && t !== like) ctx.info.shapes.set(t, ctx.shape(like!));
  const back = (s: string) => {
    const dX = gradientRules[node.opType]({ ...node, inputs: bk ? [x, wk, bk] : [x, wk] }, [s], ctx)[0];
    if (!dX) throw new Error(`internal: no transpose for ${node.opType}`);
    return dX;
  };
  return { input, z, back };
}

const sumAll = (ctx: GradContext, xs: string[]) => ctx.sum(xs)!;
const mul = (ctx: GradContext, a: string, b: string) => ctx.op('Mul', [a, b]);
const div = (ctx: GradContext, a: string, b: string) => ctx.op('Div', [a, b]);

/** Bounds broadcast to the input's shape ([C] values go on axis 1). */
function bound(ctx: GradContext, v: number | readonly number[], like: string): string {
  const shape = ctx.shape(like);
  if (typeof v === 'number') return filled(ctx, shape, v);
  if (v.length !== shape[1]) throw new Error(`z-box bounds have ${v.length} values; the input has ${shape[1]} channels`);
  const c = ctx.constant({ dtype: 'float32', dims: [1, v.length, ...shape.slice(2).map(() => 1)], data: Float32Array.from(v) }, 'zbox_bound');
  return ctx.op('Expand', [c, ctx.ints(shape)]);
}

/** Relevance at a linear layer's input under a rule. */
function linearRelevance(rule: LrpRule, node: Node, R: string, ctx: GradContext): string {
  const st = 'stabilizer' in rule && rule.stabilizer !== undefined ? rule.stabilizer : DEFAULT_STABILIZER;
  switch (rule.kind) {
    case 'epsilon':
    case 'norm': {
      const eps = rule.kind === 'epsilon' ? rule.epsilon : st;
      const t = evaluate(node, ctx, { input: same, weight: same, bias: same });
      return mul(ctx, t.input, t.back(div(ctx, R, stabilize(ctx, t.z, eps))));
    }
    case 'zplus':
    case 'alphabeta': {
      const [alpha, beta] = rule.kind === 'zplus' ? [1, 0] : [rule.alpha, rule.beta];
      const part = (wA: Mod, wB: Mod, bias: Mod) => {
        const a = evaluate(node, ctx, { input: pos, weight: wA, bias });
        const b = evaluate(node, ctx, { input: neg, weight: wB, bias: null });
        const s = div(ctx, R, stabilize(ctx, ctx.op('Add', [a.z, b.z]), st));
        return ctx.op('Add', [mul(ctx, a.input, a.back(s)), mul(ctx, b.input, b.back(s))]);
      };
      const positive = part(pos, neg, pos);
      if (beta === 0) return alpha === 1 ? positive : mul(ctx, positive, ctx.scalar(alpha));
      const negative = part(neg, pos, neg);
      return ctx.op('Sub', [mul(ctx, positive, ctx.scalar(alpha)), mul(ctx, negative, ctx.scalar(beta))]);
    }
    case 'gamma': {
      const g = rule.gamma;
      const out = node.outputs[0];
      const d = ctx.dtype(out);
      const part = (wA: Mod, wB: Mod, sign: 'Greater' | 'Less') => {
        const a = evaluate(node, ctx, { input: pos, weight: wA, bias: wA });
        const b = evaluate(node, ctx, { input: neg, weight: wB, bias: null });
        const mask = ctx.op('Cast', [ctx.op(sign, [out, ctx.scalar(0, d)])], { to: 1 });
        const s = div(ctx, mul(ctx, R, mask), stabilize(ctx, ctx.op('Add', [a.z, b.z]), st));
        return ctx.op('Add', [mul(ctx, a.input, a.back(s)), mul(ctx, b.input, b.back(s))]);
      };
      return ctx.op('Add', [part(plus(g, pos), plus(g, neg), 'Greater'), part(plus(g, neg), plus(g, pos), 'Less')]);
    }
    case 'gammaoriginal': {
      const t = evaluate(node, ctx, { input: same, weight: plus(rule.gamma, pos), bias: same });
      return mul(ctx, t.input, t.back(div(ctx, R, stabilize(ctx, t.z, st))));
    }
    case 'zbox': {
      const x = node.inputs[0];
      const terms = [
        evaluate(node, ctx, { input: same, weight: same, bias: same }),
        evaluate(node, ctx, { input: bound(ctx, rule.low, x), weight: pos, bias: pos }),
        evaluate(node, ctx, { input: bound(ctx, rule.high, x), weight: neg, bias: neg }),
      ];
      const z = ctx.op('Sub', [terms[0].z, ctx.op('Add', [terms[1].z, terms[2].z])]);
      const s = div(ctx, R, stabilize(ctx, z, st));
      const r = terms.map((t) => mul(ctx, t.input, t.back(s)));
      return ctx.op('Sub', [r[0], ctx.op('Add', [r[1], r[2]])]);
    }
    case 'flat':
    case 'wsquare': {
      const t = evaluate(node, ctx, rule.kind === 'flat' ? { input: ones, weight: ones, bias: null } : { input: ones, weight: squared, bias: squared });
      return t.back(div(ctx, R, stabilize(ctx, t.z, st)));
    }
    default:
      throw new Error(`internal: rule ${rule.kind} is not a linear-layer rule`);
  }
}

const LINEAR_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
const POOL_OPS = new Set(['AveragePool', 'GlobalAveragePool']);

/** The backward rule applying an LRP rule to a node (linear layers, average pools, sums, elementwise ops). */
export function lrpRule(rule: LrpRule): BackwardRule {
  return (node, dY, ctx) => {
    const R = dY[0]!;
    const rest = node.inputs.slice(1).map(() => undefined);
    if (rule.kind === 'gradient') return gradientRules[node.opType](node, dY, ctx);
    if (rule.kind === 'pass') return [ctx.needsGrad(node.inputs[0]) ? R : undefined, ...rest];
    if (LINEAR_OPS.has(node.opType)) {
      const [, w] = node.inputs;
      if (ctx.needsGrad(w)) throw new Error(`LRP needs constant weights; '${w}' of ${node.name} depends on the input`);
      if (!ctx.needsGrad(node.inputs[0])) return [undefined, ...rest];
      return [linearRelevance(rule, node, R, ctx), ...rest];
    }
    if (POOL_OPS.has(node.opType) && rule.kind === 'norm') {
      const x = node.inputs[0];
      const s = div(ctx, R, stabilize(ctx, node.outputs[0], rule.stabilizer ?? DEFAULT_STABILIZER));
      return [mul(ctx, x, gradientRules[node.opType](node, [s], ctx)[0]!)];
    }
    if ((node.opType === 'Add' || node.opType === 'Sum') && rule.kind === 'norm') {
      // each summand keeps its share x_k / stab(sum) of the relevance (constants absorb theirs)
      const y = node.outputs[0];
      const s = div(ctx, R, stabilize(ctx, y, rule.stabilizer ?? DEFAULT_STABILIZER));
      return node.inputs.map((x) =>
        ctx.needsGrad(x) ? ctx.unbroadcast(mul(ctx, x, s), ctx.shape(y), ctx.shape(x)) : undefined,
      );
    }
    throw new Error(`the LRP rule '${rule.kind}' does not apply to ${node.opType} (node '${node.name}')`);
  };
}

/** A whole LRP rule set: rules for linear layers by kind, optional per-node overrides, canonization. */
export interface LrpRuleSetSpec {
  /** Rule for Conv and ConvTranspose. */
  conv: LrpRule;
  /** Rule for Gemm and MatMul (fully connected layers). */
  dense: LrpRule;
  /** Per-node choices, tried in order before the op-type rules (first match wins). */
  nodes?: ReadonlyArray<{ match: NodeMatch; rule: LrpRule }>;
  /** Stabiliser of the norm rule on average pools and sums. Default 1e-6. */
  stabilizer?: number;
  /** Fold BatchNormalization into the preceding Conv/Gemm first. Default true. */
  canonize?: boolean;
}

/** Elementwise activations relevance passes through unchanged (Zennit's Pass on activations). */
export const LRP_PASS_OPS = [
  'Relu', 'Clip', 'LeakyRelu', 'PRelu', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Tanh', 'Softplus', 'Gelu', 'Elu', 'Selu', 'Celu',
  'BatchNormalization', 'Identity', 'Dropout',
] as const;

/** Mul / Div by a constant: relevance passes unchanged (y = c x holds the same relevance as x). */
const scaleRule: BackwardRule = (node, dY, ctx) => {
  const active = node.inputs.map((x) => ctx.needsGrad(x));
  if (active.filter(Boolean).length !== 1 || (node.opType === 'Div' && !active[0])) return gradientRules[node.opType](node, dY, ctx);
  const y = node.outputs[0];
  return node.inputs.map((x, k) => (active[k] ? ctx.unbroadcast(dY[0]!, ctx.shape(y), ctx.shape(x)) : undefined));
};

export function lrpRuleSet(spec: LrpRuleSetSpec): RuleSetDefinition {
  const norm = lrpRule({ kind: 'norm', stabilizer: spec.stabilizer ?? DEFAULT_STABILIZER });
  const rules: Record<string, BackwardRule> = { ...gradientRules };
  for (const op of LRP_PASS_OPS) rules[op] = lrpRule({ kind: 'pass' });
  for (const op of ['Add', 'Sum', 'AveragePool', 'GlobalAveragePool']) rules[op] = norm;
  rules.Mul = scaleRule;
  rules.Div = scaleRule;
  rules.Conv = rules.ConvTranspose = lrpRule(spec.conv);
  rules.Gemm = rules.MatMul = lrpRule(spec.dense);
  return {
    rules,
    overrides: spec.nodes?.length ? overrideNodes(spec.nodes.map((e) => ({ match: e.match, rule: lrpRule(e.rule) }))) : undefined,
    prepare: spec.canonize === false ? undefined : foldBatchNorm,
  };
}
