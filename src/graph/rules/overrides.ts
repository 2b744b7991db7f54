/**
 * Per-node rule overrides: choose a backward rule for particular nodes, by op type, node
 * name, position (the first node of some op types on a path from the graph input) or any
 * predicate. Entries are tried in order; the first match wins; unmatched nodes use their
 * op type's rule. This is the mechanism behind LRP composites (another rule for the first
 * convolution), and it is generic: the graph layer knows nothing of attribution.
 */
import type { Graph, Node } from '../ir.js';
import type { ShapeInfo } from '../shapes.js';
import type { BackwardRule, NodeRuleChooser } from '../autodiff.js';

export interface NodeMatch {
  /** Op types the node may have (any when absent). */
  opTypes?: readonly string[];
  /** Node names (or names of the node's first output tensor). */
  names?: readonly string[];
  /** Only the first node (graph order) of `opTypes` that depends on the graph input. */
  first?: boolean;
  /** Any other condition. */
  when?: (node: Node, graph: Graph, info: ShapeInfo) => boolean;
}

export interface RuleOverride {
  match: NodeMatch;
  rule: BackwardRule;
}

/** Nodes (graph order) that depend on a graph input. */
function dependsOnInput(graph: Graph): Set<Node> {
  const live = new Set<string>(graph.inputs.map((i) => i.name));
  const nodes = new Set<Node>();
  for (const n of graph.nodes) {
    if (n.inputs.some((x) => live.has(x))) {
      nodes.add(n);
      for (const o of n.outputs) if (o) live.add(o);
    }
  }
  return nodes;
}

export function matches(match: NodeMatch, node: Node, graph: Graph, info: ShapeInfo, firstOf: (ops: readonly string[] | undefined) => Node | undefined): boolean {
  if (match.opTypes && !match.opTypes.includes(node.opType)) return false;
  if (match.names && !match.names.includes(node.name) && !match.names.includes(node.outputs[0])) return false;
  if (match.first && firstOf(match.opTypes) !== node) return false;
  if (match.when && !match.when(node, graph, info)) return false;
  return true;
}

/** Build the chooser a RuleSetDefinition's `overrides` returns. */
export function overrideNodes(entries: readonly RuleOverride[]): (graph: Graph, info: ShapeInfo) => NodeRuleChooser {
  return (graph, info) => {
    const live = dependsOnInput(graph);
    const firstCache = new Map<string, Node | undefined>();
    const firstOf = (ops: readonly string[] | undefined) => {
      const key = (ops ?? []).join(',');
      if (!firstCache.has(key)) firstCache.set(key, graph.nodes.find((n) => live.has(n) && (!ops || ops.includes(n.opType))));
      return firstCache.get(key);
    };
    return (node) => entries.find((e) => matches(e.match, node, graph, info, firstOf))?.rule;
  };
}
