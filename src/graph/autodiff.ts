/**
 * Reverse-mode automatic differentiation as an ONNX graph rewrite.
 *
 * From a forward graph with static shapes, build one graph that takes, besides the
 * model's inputs, a seed (the cotangent) for each differentiated output, and returns
 * the gradient of <seed, output> with respect to the input and any inner tensor.
 * The backward of each op comes from a swappable rule set (rules.ts), so guided
 * backprop, deconvnet or LRP replace single rules without touching this file.
 */
import type { DType, Graph, Node, Tensor } from './ir.js';
import { NameSource, describeNode, tensorNumbers } from './ir.js';
import { Emitter } from './emitter.js';
import type { ShapeInfo } from './shapes.js';
import { activeTensors, relevantTensors } from './gradientPath.js';
import { findComposites } from './composites.js';
import { assemblePieces, type Piece } from './pieces.js';
import { SaliencyError } from '../errors.js';

/** Context handed to a backward rule: forward facts plus an emitter for new nodes. */
export class GradContext extends Emitter {
  constructor(
    graph: Graph,
    names: NameSource,
    readonly info: ShapeInfo,
    private readonly active: ReadonlySet<string>,
    private readonly wrt: ReadonlySet<string> = new Set(),
  ) {
    super(graph, names, 'grad');
  }

  /** Whether the request returns this tensor's gradient (a rule must then not skip its cotangent). */
  isWrt(name: string): boolean {
    return this.wrt.has(name);
  }

  /** The forward node computing a tensor (undefined for inputs and initializers). */
  producer(name: string): Node | undefined {
    return this.graph.nodes.find((n) => n.outputs.includes(name));
  }

  /** Shapes and dtypes of the outputs added by forwardOutput (when the rule gave them). */
  private readonly added = new Map<string, { shape: number[]; dtype: DType }>();

  /** Gradients of pieces of forward tensors (placePiece), by tensor. */
  private readonly pieces = new Map<string, Piece[]>();

  /**
   * Contribute `grad` as the gradient of a piece of `x` along `axis`: the block of `length`
   * elements from `start` (step 1), or every step-th element from `start` < step to the end
   * (x's length along the axis a multiple of step). Its shape is x's except along that axis.
   * The pieces of one tensor along one axis (Gathers of qkv[0], qkv[1], qkv[2]; the two Slices of
   * a roll; patch merging's x[0::2] and x[1::2]) are assembled by one Concat instead of each
   * being padded to x's shape and summed.
   */
  placePiece(x: string, axis: number, start: number, length: number, grad: string, step = 1): void {
    const piece = { axis, start, length, step, grad };
    const list = this.pieces.get(x);
    if (list) list.push(piece);
    else this.pieces.set(x, [piece]);
  }

  /** The contributions of the pieces of `x` placed so far (one per axis and step), each of x's shape. */
  assemblePieces(x: string): string[] {
    const list = this.pieces.get(x);
    if (!list) return [];
    this.pieces.delete(x);
    return assemblePieces(this, this.shape(x), this.dtype(x), list);
  }

  shape(name: string): number[] {
    const extra = this.added.get(name);
    if (extra) return extra.shape;
    const s = this.info.shapes.get(name);
    if (!s) throw new Error(`internal: no static shape known for '${name}'`);
    return s;
  }

  dtype(name: string): DType {
    return this.added.get(name)?.dtype ?? this.info.dtypes.get(name) ?? 'float32';
  }

  /** Compile-time value of a tensor (initializers and folded constants), if known. */
  constantValue(name: string): Tensor | undefined {
    const c = this.info.constants.get(name);
    if (c) return c;
    return this.graph.initializers.get(name)?.value();
  }

  /** Whether the gradient of this forward tensor is wanted (it depends on something differentiated). */
  needsGrad(name: string): boolean {
    return name !== '' && this.active.has(name);
  }

  /**
   * Output `k` of a forward node that the forward graph leaves unrequested (MaxPool's
   * Indices, LayerNormalization's Mean and InvStdDev): the node is replaced in the built graph
   * by a copy that also produces it, so onnxruntime computes it in the same pass (cheaper than
   * recomputing it in the backward graph). The forward graph itself is not changed. Give the
   * output's shape and dtype when a rule will ask ctx.shape/ctx.dtype of it.
   */
  forwardOutput(node: Node, k: number, shape?: number[], dtype?: DType): string {
    // the node itself, or (a rule passing a modified copy, as DeepLIFT's MaxPool does) the node
    // producing the same first output
    let at = this.graph.nodes.indexOf(node);
    if (at < 0) at = this.graph.nodes.findIndex((n) => n.opType === node.opType && n.outputs[0] === node.outputs[0]);
    if (at < 0) throw new Error(`internal: node '${node.name}' is not in the graph`);
    const current = this.graph.nodes[at];
    if (current.outputs[k]) return current.outputs[k];
    const outputs = [...current.outputs];
    while (outputs.length <= k) outputs.push('');
    outputs[k] = this.names.fresh(`${node.name || node.outputs[0]}/output${k}`);
    this.graph.nodes[at] = { ...current, outputs };
    if (shape) this.added.set(outputs[k], { shape, dtype: dtype ?? 'float32' });
    return outputs[k];
  }

  /** Sum a gradient of shape `from` down to `to` (numpy broadcasting undone). */
  unbroadcast(grad: string, from: readonly number[], to: readonly number[]): string {
    if (from.length === to.length && from.every((d, i) => d === to[i])) return grad;
    const lead = from.length - to.length;
    const axes: number[] = [];
    for (let i = 0; i < from.length; i++) {
      if (i < lead) axes.push(i);
      else if (to[i - lead] === 1 && from[i] !== 1) axes.push(i);
    }
    const reduced = this.reduceSum(grad, axes, true);
    return this.reshape(reduced, to);
  }
}

/**
 * A backward rule: given the forward node and the cotangents of its outputs
 * (undefined where an output receives none), return the cotangents of its inputs
 * (undefined where an input needs none: check ctx.needsGrad).
 */
export type BackwardRule = (node: Node, dY: ReadonlyArray<string | undefined>, ctx: GradContext) => Array<string | undefined>;

export type RuleSet = Readonly<Record<string, BackwardRule>>;

export { NON_DIFFERENTIABLE } from './gradientPath.js';

/** Per-node override: a rule for this particular node, or undefined to use its op type's rule. */
export type NodeRuleChooser = (node: Node) => BackwardRule | undefined;

export class UnsupportedOpError extends SaliencyError {
  constructor(
    readonly opType: string,
    readonly nodeName: string,
    ruleSetName: string,
  ) {
    super(
      'unsupported-op',
      `no backward rule for op '${opType}' (node '${nodeName}') in the '${ruleSetName}' rule set. ` +
        'Gradients cannot flow through it; if the node is not on the path from the input to the explained output, ' +
        'ask for a different output or tap. Otherwise please report the op so a rule can be added.',
    );
    this.name = 'UnsupportedOpError';
  }
}

export interface GradientRequest {
  /** Forward tensors to return as they are (model outputs, tap activations). */
  outputs: string[];
  /** Tensors that receive a seed (cotangent) input; the gradient is of sum(seed * tensor). */
  seeds: string[];
  /** Tensors whose gradient is returned: a graph input and/or inner tensors. */
  wrt: string[];
  /** The backward rules; defaults to the plain gradient. */
  rules: RuleSet;
  /** Per-node overrides, consulted before `rules` (e.g. another rule for the first Conv). */
  nodeRules?: NodeRuleChooser;
  ruleSetName?: string;
}

export interface GradientGraph {
  graph: Graph;
  /** seed tensor -> name of the graph input carrying its cotangent */
  seedInputs: Record<string, string>;
  /** wrt tensor -> name of the graph output carrying its gradient */
  gradOutputs: Record<string, string>;
}

/** Minimum opset for the backward graph; models at 13-15 are raised to it (no op in our rule sets changed meaning). */
const BACKWARD_OPSET = 16;

export function buildGradientGraph(forward: Graph, info: ShapeInfo, request: GradientRequest): GradientGraph {
  const graph: Graph = {
    ...forward,
    nodes: [...forward.nodes],
    inputs: [...forward.inputs],
    outputs: [],
    initializers: new Map(forward.initializers),
    valueInfo: new Map(),
  };
  if (graph.opset >= 13 && graph.opset < BACKWARD_OPSET) graph.opset = BACKWARD_OPSET;

  const producer = new Map<string, Node>();
  for (const n of forward.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const known = (name: string) =>
    producer.has(name) || forward.initializers.has(name) || forward.inputs.some((i) => i.name === name);
  for (const t of [...request.outputs, ...request.seeds, ...request.wrt]) {
    if (!known(t)) throw new Error(`no tensor named '${t}' in the model (see inspect for inputs, outputs and taps)`);
  }

  // Forward activity (depends on a wrt tensor) and backward relevance (leads to a seed): gradientPath.ts
  const active = activeTensors(forward, info, request.wrt);
  const relevant = relevantTensors(forward, request.seeds);

  const names = new NameSource(graph);
  const ctx = new GradContext(graph, names, info, active, new Set(request.wrt));
  const contributions = new Map<string, string[]>();
  const add = (tensor: string, grad: string) => {
    const list = contributions.get(tensor);
    if (list) list.push(grad);
    else contributions.set(tensor, [grad]);
  };
  // Adjoint of a tensor once every contribution has arrived (nodes are visited in reverse order).
  const adjoint = (tensor: string): string | undefined => {
    for (const g of ctx.assemblePieces(tensor)) add(tensor, g);
    const list = contributions.get(tensor);
    if (!list) return undefined;
    const total = ctx.sum(list)!;
    contributions.set(tensor, [total]);
    return total;
  };

  const seedInputs: Record<string, string> = {};
  for (const s of request.seeds) {
    const name = names.fresh(`seed:${s}`);
    graph.inputs.push({ name, dtype: ctx.dtype(s), shape: ctx.shape(s) });
    seedInputs[s] = name;
    if (active.has(s)) add(s, name);
  }

  const ruleSetName = request.ruleSetName ?? 'gradient';
  // groups of nodes differentiated as one (GELU written with Erf): composites.ts
  const scalarOf = (t: string) => {
    const v = ctx.constantValue(t);
    return v && v.data.length === 1 ? tensorNumbers(v)[0] : undefined;
  };
  const asked = new Set([...request.outputs, ...request.seeds, ...request.wrt]);
  const composites = findComposites(forward.nodes, forward.outputs.map((o) => o.name), request.rules, asked, scalarOf);
  // a node given its own rule by the rule set's overrides is differentiated on its own
  for (const c of new Set(composites.values())) {
    if (request.nodeRules && c.members.some((m) => request.nodeRules!(m))) for (const m of c.members) composites.delete(m);
  }
  for (let i = forward.nodes.length - 1; i >= 0; i--) {
    let node = forward.nodes[i];
    const composite = composites.get(node);
    if (composite && composite.members.at(-1) !== node) continue;
    if (!node.outputs.some((o) => active.has(o) && relevant.has(o))) continue;
    const dY = node.outputs.map((o) => (o && active.has(o) ? adjoint(o) : undefined));
    if (dY.every((g) => g === undefined)) continue;
    let rule = request.nodeRules?.(node) ?? request.rules[node.opType];
    if (composite) {
      rule = composite.rule;
      node = composite.node;
    }
    if (!rule || node.domain !== '') throw new UnsupportedOpError(node.opType, node.name, ruleSetName);
    let dX: Array<string | undefined>;
    try {
      dX = rule(node, dY, ctx);
    } catch (e) {
      if (e instanceof UnsupportedOpError) throw e;
      throw new Error(`backward of ${describeNode(node)} failed: ${(e as Error).message}`);
    }
    node.inputs.forEach((x, k) => {
      const g = dX[k];
      if (g !== undefined && x && active.has(x)) add(x, g);
    });
  }

  const gradOutputs: Record<string, string> = {};
  for (const w of request.wrt) {
    let g = adjoint(w);
    // A tensor with no path to the seeds has a zero gradient.
    if (g === undefined) g = ctx.zeros(ctx.shape(w), ctx.dtype(w));
    // Graph outputs must be distinct names produced by nodes: route through Identity.
    const out = names.fresh(`grad:${w}`);
    graph.nodes.push({ name: names.fresh(`${out}/identity`), opType: 'Identity', domain: '', inputs: [g], outputs: [out], attrs: {} });
    graph.outputs.push({ name: out, dtype: ctx.dtype(w), shape: ctx.shape(w) });
    gradOutputs[w] = out;
  }
  for (const o of request.outputs) {
    graph.outputs.push({ name: o, dtype: ctx.dtype(o), shape: ctx.shape(o) });
  }
  pruneDeadNodes(graph);
  return { graph, seedInputs, gradOutputs };
}

/** Drop nodes and initializers that no graph output depends on. */
export function pruneDeadNodes(graph: Graph): void {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const kept: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (n.outputs.some((o) => needed.has(o))) {
      kept.push(n);
      for (const x of n.inputs) if (x) needed.add(x);
    }
  }
  kept.reverse();
  graph.nodes = topologicalOrder(kept, graph);
  for (const name of [...graph.initializers.keys()]) if (!needed.has(name)) graph.initializers.delete(name);
}

/** Backward nodes were appended after the forward ones they read, so order is already valid; verify cheaply. */
function topologicalOrder(nodes: Node[], graph: Graph): Node[] {
  const ready = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys(), '']);
  for (const n of nodes) {
    for (const x of n.inputs) {
      if (!ready.has(x)) throw new Error(`internal: ${describeNode(n)} reads '${x}' before it is produced`);
    }
    for (const o of n.outputs) ready.add(o);
  }
  return nodes;
}
