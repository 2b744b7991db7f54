/**
 * Layer-wise relevance propagation (Bach et al. 2015) with Zennit's rules and composites
 * (graph/rules/lrp.ts, composites.ts), on any ONNX model: the relevance of the target,
 * R = f(x)_target at the output, propagated to the input layer by layer.
 *
 * Every rule is linear in the incoming relevance, so the propagation runs once with the
 * target's cotangent as seed and is then scaled by f(x)_target (Captum's normalisation
 * undone the same way). `delta` is the conservation error sum(R) - f(x)_target per input
 * (the library's sign, as IG's delta; Captum's LRP reports the opposite sign): zero for
 * rules that conserve exactly (z+ without biases), the bias and stabiliser share otherwise.
 *
 * BatchNormalization is folded into the preceding Conv/Gemm first (canonize: true), as
 * Zennit's MergeBatchNorm canonizer does; residual Adds split relevance in proportion to
 * their summands (Zennit's ResNet canonizer + Norm rule).
 */
import type { Model } from '../../engine/model.js';
import { inputSpace, type Preprocessing } from '../../engine/space.js';
import { registerRuleSet } from '../../graph/rules/index.js';
import { lrpRuleSet, type LrpRule, type LrpRuleSetSpec } from '../../graph/rules/lrp.js';
import type { NodeMatch } from '../../graph/rules/overrides.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { COMPOSITES, LINEAR_OPS, compositeSpec, parseLrpRule, type CompositeName, type CompositeParameters } from './composites.js';
import { propagate, propagationResult } from './propagate.js';

const OPTIONS = {
  composite: { kind: 'choice', choices: COMPOSITES, default: 'epsilon-plus', description: 'Zennit composite choosing a rule per layer' },
  rule: { kind: 'string', default: '', description: 'one rule for every Conv/Gemm/MatMul instead of a composite: epsilon:0.25, gamma:0.25, gamma-original:0.25, alphabeta:2,1, zplus, zbox:low,high, flat, wsquare' },
  epsilon: { kind: 'number', default: 1e-6, min: 0, description: 'epsilon of the epsilon rule' },
  gamma: { kind: 'number', default: 0.25, min: 0, description: 'gamma of the gamma rule' },
  stabilizer: { kind: 'number', default: 1e-6, min: 0, description: 'stabiliser added to every other denominator' },
  canonize: { kind: 'boolean', default: true, description: 'fold BatchNormalization into the preceding Conv/Gemm first' },
} as const;

export interface LrpOptions extends CommonOptions {
  composite?: CompositeName;
  /** One rule for every linear layer (replaces the composite's choices). */
  rule?: string | LrpRule;
  epsilon?: number;
  gamma?: number;
  stabilizer?: number;
  /** Input bounds for z-box (model space; one number or one per channel). Default: from preprocessing / the model's inputRange. */
  low?: number | readonly number[];
  high?: number | readonly number[];
  preprocessing?: Preprocessing;
  canonize?: boolean;
  /** A user mapping tried before the composite: rules by op type, node name or predicate (first match wins). */
  nodes?: ReadonlyArray<{ match: NodeMatch; rule: string | LrpRule }>;
}

export interface LrpResult extends Attribution {
  /** sum(R) - f(x)_target per input. */
  delta: Float32Array;
}

/** z-box bounds from the input space (per channel for images). */
function defaultBounds(model: Model, options: LrpOptions): { low?: number | number[]; high?: number | number[] } {
  const space = inputSpace(model, options.preprocessing);
  if (!space.rangeKnown) return {};
  const lo: number[] = [];
  const hi: number[] = [];
  for (let c = 0; c < space.channels; c++) {
    const a = space.toModelValue(space.pixelRange[0], c);
    const b = space.toModelValue(space.pixelRange[1], c);
    lo.push(Math.min(a, b));
    hi.push(Math.max(a, b));
  }
  if (space.layout !== 'NCHW' || space.channels === 1) return { low: lo[0], high: hi[0] };
  return { low: lo, high: hi };
}

let custom = 0;

/** The rule set for these options, registered under a name derived from them. */
export function lrpRuleSetName(model: Model, options: LrpOptions): { name: string; spec: LrpRuleSetSpec } {
  const d = OPTIONS;
  const bounds = options.low !== undefined && options.high !== undefined ? { low: options.low, high: options.high } : defaultBounds(model, options);
  const p: CompositeParameters = {
    epsilon: options.epsilon ?? d.epsilon.default,
    gamma: options.gamma ?? d.gamma.default,
    stabilizer: options.stabilizer ?? d.stabilizer.default,
    ...bounds,
  };
  const asRule = (r: string | LrpRule) => (typeof r === 'string' ? parseLrpRule(r, p) : r);
  let spec: LrpRuleSetSpec;
  if (options.rule) {
    const rule = asRule(options.rule);
    spec = { conv: rule, dense: rule, stabilizer: p.stabilizer };
  } else {
    spec = compositeSpec(options.composite ?? (d.composite.default as CompositeName), p);
  }
  const user = (options.nodes ?? []).map((e) => ({ match: { opTypes: e.match.opTypes ?? LINEAR_OPS, ...e.match }, rule: asRule(e.rule) }));
  spec = { ...spec, nodes: [...user, ...(spec.nodes ?? [])], canonize: options.canonize ?? d.canonize.default };
  const predicate = spec.nodes!.some((e) => e.match.when);
  const name = predicate ? `lrp/custom-${++custom}` : `lrp/${JSON.stringify(spec)}`;
  registerRuleSet(name, lrpRuleSet(spec));
  return { name, spec };
}

export async function lrp(model: Model, input: Float32Array, options: LrpOptions = {}): Promise<LrpResult> {
  const { name, spec } = lrpRuleSetName(model, options);
  const p = await propagate(model, input, name, options);
  const n = p.targetValues.length;
  const per = p.values.length / n;
  const delta = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    const f = p.targetValues[e];
    let s = 0;
    for (let j = e * per; j < (e + 1) * per; j++) s += (p.values[j] *= f);
    delta[e] = s - f;
  }
  const params = options.rule
    ? { rule: typeof options.rule === 'string' ? options.rule : options.rule.kind }
    : { composite: options.composite ?? OPTIONS.composite.default };
  return propagationResult(model, p, 'lrp', { ...params, conv: spec.conv, dense: spec.dense, canonize: spec.canonize }, delta) as LrpResult;
}

export const descriptor = defineMethod({
  name: 'lrp',
  aliases: ['layerwiserelevancepropagation', 'relevance'],
  title: 'LRP',
  family: 'propagation',
  summary: 'Layer-wise relevance propagation with Zennit\'s rules and composites (Bach et al. 2015; Montavon et al. 2019)',
  needs: { gradients: true, rule: true },
  options: OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, context) =>
    lrp(model, input, {
      target: context.target,
      batchSize: context.batchSize,
      preprocessing: context.preprocessing,
      composite: o.composite as CompositeName,
      rule: o.rule || undefined,
      epsilon: o.epsilon,
      gamma: o.gamma,
      stabilizer: o.stabilizer,
      canonize: o.canonize,
    }),
  order: 20,
});
