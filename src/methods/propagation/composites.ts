/**
 * LRP composites (Zennit's, zennit/composites.py): which rule each layer gets, by op type
 * and position. Every composite passes relevance unchanged through elementwise activations
 * and BatchNormalization (after folding it into the preceding layer), splits it over the
 * summands of Add (residual connections) and the windows of average pools by the norm rule,
 * and sends max-pool relevance to the window's winner (the gradient).
 *
 *   epsilon-plus          Conv: z+          dense: epsilon
 *   epsilon-gamma-box     Conv: gamma       dense: epsilon   first Conv: z-box (input bounds)
 *   epsilon-alpha2-beta1  Conv: alpha2-beta1 dense: epsilon
 *   epsilon-plus-flat     Conv: z+          dense: epsilon   first linear layer: flat
 *
 * Rule strings (`--rule`): epsilon[:e], gamma[:g], gamma-original[:g], alphabeta[:a,b], zplus,
 * zbox[:low,high], flat, wsquare.
 */
import type { LrpRule, LrpRuleSetSpec } from '../../graph/rules/lrp.js';
import type { NodeMatch } from '../../graph/rules/overrides.js';

export const COMPOSITES = ['epsilon-plus', 'epsilon-gamma-box', 'epsilon-alpha2-beta1', 'epsilon-plus-flat'] as const;
export type CompositeName = (typeof COMPOSITES)[number];

export const CONV_OPS = ['Conv', 'ConvTranspose'] as const;
export const LINEAR_OPS = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'] as const;

export interface CompositeParameters {
  /** Epsilon of the epsilon rule (dense layers). Default 1e-6. */
  epsilon: number;
  /** Gamma of the gamma rule. Default 0.25. */
  gamma: number;
  /** Stabiliser of every other rule. Default 1e-6. */
  stabilizer: number;
  /** Input bounds for z-box: numbers or one value per channel. */
  low?: number | readonly number[];
  high?: number | readonly number[];
}

export function compositeSpec(name: CompositeName, p: CompositeParameters): LrpRuleSetSpec {
  const stabilizer = p.stabilizer;
  const dense: LrpRule = { kind: 'epsilon', epsilon: p.epsilon };
  const zplus: LrpRule = { kind: 'zplus', stabilizer };
  switch (name) {
    case 'epsilon-plus':
      return { conv: zplus, dense, stabilizer };
    case 'epsilon-alpha2-beta1':
      return { conv: { kind: 'alphabeta', alpha: 2, beta: 1, stabilizer }, dense, stabilizer };
    case 'epsilon-gamma-box': {
      if (p.low === undefined || p.high === undefined) {
        throw new Error('the epsilon-gamma-box composite needs the input bounds for z-box: pass low and high (or a model with an inputRange)');
      }
      const first: NodeMatch = { opTypes: CONV_OPS, first: true };
      return {
        conv: { kind: 'gamma', gamma: p.gamma, stabilizer },
        dense,
        stabilizer,
        nodes: [{ match: first, rule: { kind: 'zbox', low: p.low, high: p.high, stabilizer } }],
      };
    }
    case 'epsilon-plus-flat':
      return { conv: zplus, dense, stabilizer, nodes: [{ match: { opTypes: LINEAR_OPS, first: true }, rule: { kind: 'flat', stabilizer } }] };
    default:
      throw new Error(`unknown LRP composite '${name as string}'; known: ${COMPOSITES.join(', ')}`);
  }
}

/** Parse a rule string: 'epsilon:0.25', 'gamma:0.25', 'alphabeta:2,1', 'zplus', 'zbox:-1,1', 'flat', 'wsquare'. */
export function parseLrpRule(text: string, p: CompositeParameters): LrpRule {
  const [kind, arg] = text.trim().toLowerCase().split(':');
  const nums = arg ? arg.split(',').map(Number) : [];
  if (nums.some((v) => !Number.isFinite(v))) throw new Error(`LRP rule '${text}': parameters must be numbers`);
  const stabilizer = p.stabilizer;
  switch (kind.replace(/[-_ ]/g, '')) {
    case 'epsilon':
      return { kind: 'epsilon', epsilon: nums[0] ?? p.epsilon };
    case 'gamma':
      return { kind: 'gamma', gamma: nums[0] ?? p.gamma, stabilizer };
    case 'gammaoriginal':
      return { kind: 'gammaoriginal', gamma: nums[0] ?? p.gamma, stabilizer };
    case 'alphabeta': {
      const [alpha, beta] = nums.length ? [nums[0], nums[1] ?? nums[0] - 1] : [2, 1];
      if (alpha < 0 || beta < 0 || Math.abs(alpha - beta - 1) > 1e-12) throw new Error(`alpha-beta needs alpha - beta = 1 and both >= 0, got ${alpha}, ${beta}`);
      return { kind: 'alphabeta', alpha, beta, stabilizer };
    }
    case 'zplus':
    case 'alpha1beta0':
      return { kind: 'zplus', stabilizer };
    case 'zbox': {
      const low = nums.length ? nums[0] : p.low;
      const high = nums.length > 1 ? nums[1] : p.high;
      if (low === undefined || high === undefined) throw new Error('z-box needs input bounds: zbox:low,high');
      return { kind: 'zbox', low, high, stabilizer };
    }
    case 'flat':
      return { kind: 'flat', stabilizer };
    case 'wsquare':
      return { kind: 'wsquare', stabilizer };
    default:
      throw new Error(`unknown LRP rule '${text}'; known: epsilon[:e], gamma[:g], gamma-original[:g], alphabeta[:a,b], zplus, zbox[:low,high], flat, wsquare`);
  }
}
