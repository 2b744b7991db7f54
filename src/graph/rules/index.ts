/**
 * Rule sets by name. A rule set is op type -> backward rule (a plain object, so a variant is
 * `{ ...gradientRules, Relu: myRelu }`), optionally with per-node overrides (a rule chosen
 * for one node by its name, position or any predicate: e.g. a different rule for the first
 * convolution) and a function-preserving rewrite of the graph applied before differentiation
 * (e.g. folding BatchNormalization into the preceding Conv). Engines look rule sets up by
 * name, so a rule set registered by a user is usable without touching autodiff.ts.
 */
import type { Graph } from '../ir.js';
import type { ShapeInfo } from '../shapes.js';
import type { NodeRuleChooser, RuleSet } from '../autodiff.js';
import { gradientRules } from './gradient.js';
import { deconvnetRules, guidedRules } from './guided.js';
import { deepLiftRescaleRules } from './deeplift.js';

export { gradientRules };

export interface RuleSetDefinition {
  /** Rules by op type. */
  readonly rules: RuleSet;
  /** Per-node overrides, built once per (prepared) graph: return a rule for a node, or undefined for its op type's. */
  readonly overrides?: (graph: Graph, info: ShapeInfo) => NodeRuleChooser;
  /** A rewrite that keeps the function and the input/output names, applied before differentiation. */
  readonly prepare?: (graph: Graph) => Graph;
}

function isDefinition(r: RuleSet | RuleSetDefinition): r is RuleSetDefinition {
  return typeof (r as RuleSetDefinition).rules === 'object';
}

/** Op types that have a backward rule in the plain gradient rule set. */
export function supportedOps(rules: RuleSet = gradientRules): string[] {
  return Object.keys(rules).sort();
}

const registry = new Map<string, RuleSetDefinition>([
  ['gradient', { rules: gradientRules }],
  ['guided', { rules: guidedRules }],
  ['deconvnet', { rules: deconvnetRules }],
  ['deeplift', { rules: deepLiftRescaleRules }],
]);

/** Make a rule set available by name to engines (guided backprop, LRP ... register theirs). */
export function registerRuleSet(name: string, rules: RuleSet | RuleSetDefinition): void {
  registry.set(name, isDefinition(rules) ? rules : { rules });
}

/** The rules by op type of a registered rule set. */
export function ruleSet(name: string): RuleSet {
  return ruleSetDefinition(name).rules;
}

/** A registered rule set with its per-node overrides and graph rewrite. */
export function ruleSetDefinition(name: string): RuleSetDefinition {
  const r = registry.get(name);
  if (!r) throw new Error(`unknown backward rule set '${name}'; known: ${[...registry.keys()].join(', ')}`);
  return r;
}
