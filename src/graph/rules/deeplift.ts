/**
 * DeepLIFT's rescale rule (Shrikumar et al. 2017) as a rule set, in Captum's form: the
 * batch holds the inputs in its first half and their references (baselines) in its second
 * half, and every nonlinearity replaces its derivative by the multiplier
 *   m = (y - y') / (x - x')   (the plain derivative where |x - x'| < 1e-10),
 * the same multipliers for both halves. Linear ops keep the gradient, so the input
 * "gradient" of the first half times (x - x') sums to f(x) - f(x') (completeness).
 *
 * Rescaled (elementwise, one varying input): Relu, LeakyRelu, PRelu, Elu, Selu, Celu,
 * Sigmoid, Tanh, Softplus, Clip, HardSigmoid, HardSwish, Gelu, Erf, Exp, Log, Sqrt, Abs.
 * MaxPool follows Captum: the output differences max(y, y') - y' and y - max(y, y') are
 * sent back through each half's argmax, summed, and divided by x - x'. Captum unpools with
 * max_unpool (overlapping windows overwrite); here they accumulate, which is the chain rule:
 * results differ from Captum only for overlapping max-pool windows.
 * Softmax keeps its gradient (Captum's softmax rule subtracts a batch-wide mean).
 */
import type { Node } from '../ir.js';
import type { BackwardRule, GradContext, RuleSet } from '../autodiff.js';
import { gradientRules } from './gradient.js';

/** Captum's threshold on |x - x'| below which the plain derivative is used. */
export const DEEPLIFT_EPS = 1e-10;

export const RESCALED_OPS = [
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'Tanh', 'Softplus', 'Clip', 'HardSigmoid', 'HardSwish',
  'Gelu', 'Erf', 'Exp', 'Log', 'Sqrt', 'Abs',
] as const;

function halves(ctx: GradContext, t: string, like = t): [string, string] {
  const n = ctx.shape(like)[0];
  if (n % 2 !== 0) {
    throw new Error(`the DeepLIFT rule set needs a batch of inputs followed by as many baselines; got a batch of ${n}`);
  }
  return [ctx.slice(t, [0], [n / 2], [0]), ctx.slice(t, [n / 2], [n], [0])];
}

const twice = (ctx: GradContext, t: string) => ctx.op('Concat', [t, t], { axis: 0 });

/** Where |x - x'| is tiny use the plain backward, else `rescaled`. */
function choose(ctx: GradContext, dIn: string, plain: string, rescaled: string): string {
  const tiny = ctx.op('Less', [ctx.op('Abs', [dIn]), ctx.scalar(DEEPLIFT_EPS, ctx.dtype(dIn))]);
  return ctx.op('Where', [tiny, plain, rescaled]);
}

function rescale(op: string): BackwardRule {
  return (node: Node, dY, ctx) => {
    const plain = gradientRules[op](node, dY, ctx);
    const x = node.inputs[0];
    if (!plain[0] || node.inputs.slice(1).some((i) => ctx.needsGrad(i))) return plain;
    const [xa, xb] = halves(ctx, x);
    const [ya, yb] = halves(ctx, node.outputs[0]);
    const half = ctx.op('Sub', [xa, xb]);
    const ratio = twice(ctx, ctx.op('Div', [ctx.op('Sub', [ya, yb]), half]));
    return [choose(ctx, twice(ctx, half), plain[0], ctx.op('Mul', [dY[0]!, ratio])), ...plain.slice(1)];
  };
}

const maxPool: BackwardRule = (node, dY, ctx) => {
  const plain = gradientRules.MaxPool(node, dY, ctx)[0];
  if (!plain) return [undefined];
  const x = node.inputs[0];
  const [xa, xb] = halves(ctx, x);
  const [ya, yb] = halves(ctx, node.outputs[0]);
  const top = ctx.op('Max', [ya, yb]);
  const deltaOut = ctx.op('Concat', [ctx.op('Sub', [top, yb]), ctx.op('Sub', [ya, top])], { axis: 0 });
  const spread = gradientRules.MaxPool({ ...node, outputs: [node.outputs[0]] }, [ctx.op('Mul', [dY[0]!, deltaOut])], ctx)[0]!;
  const [sa, sb] = halves(ctx, spread, x);
  const dIn = twice(ctx, ctx.op('Sub', [xa, xb]));
  return [choose(ctx, dIn, plain, ctx.op('Div', [twice(ctx, ctx.op('Add', [sa, sb])), dIn]))];
};

function deepLiftRules(): RuleSet {
  const rules: Record<string, BackwardRule> = { ...gradientRules };
  for (const op of RESCALED_OPS) rules[op] = rescale(op);
  rules.MaxPool = maxPool;
  return rules;
}

export const deepLiftRescaleRules: RuleSet = deepLiftRules();
