/**
 * Static shape inference over the IR, with constant folding of shape subgraphs.
 *
 * Input shapes are concrete (the batch size is fixed per compiled graph), so every
 * value in the graph gets concrete dims. Values computable at compile time (the
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains torch emits, Constant
 * nodes, ConstantOfShape, Range, integer arithmetic, ...) are folded and kept in
 * `constants` when they are small.
 */
import type { Graph, Node } from './ir.js';
import { sizeOf } from './ir.js';
import { type ShapeInfo, ShapeInferenceError, MAX_CONSTANT_ELEMENTS } from './shapes/types.js';
import { type State, Ctx, rules, rule } from './shapes/context.js';
// every family file registers its rules in the table of shapes/context.ts
import './shapes/elementwise.js';
import './shapes/linear.js';
import './shapes/pool.js';
import './shapes/norm.js';
import './shapes/reduce.js';
import './shapes/reshape.js';
import './shapes/constants.js';

export { type ShapeInfo, ShapeInferenceError, MAX_CONSTANT_ELEMENTS } from './shapes/types.js';

export const SUPPORTED_OPS: readonly string[] = [...rules.keys()].sort();

// ---------------------------------------------------------------------------
// driver

/** Kahn's algorithm, keeping the file order among ready nodes. */
function topoSort(graph: Graph, known: Set<string>): Node[] {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const pending = new Array<number>(graph.nodes.length).fill(0);
  const consumers = graph.nodes.map(() => [] as number[]);
  graph.nodes.forEach((n, i) => {
    for (const x of new Set(n.inputs)) {
      if (!x || known.has(x)) continue;
      const p = producer.get(x);
      if (p === undefined) {
        throw new ShapeInferenceError(
          `value '${x}' used by ${n.opType} node '${n.name}' is not produced by any node, graph input or initializer`,
        );
      }
      pending[i]++;
      consumers[p].push(i);
    }
  });
  const order: Node[] = [];
  const ready = pending.map((p, i) => (p === 0 ? i : -1)).filter((i) => i >= 0);
  while (ready.length > 0) {
    const i = ready.shift() as number;
    order.push(graph.nodes[i]);
    for (const j of consumers[i]) if (--pending[j] === 0) ready.push(j);
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.find((_, i) => pending[i] > 0);
    throw new ShapeInferenceError(`the graph has a cycle through node '${stuck?.name}'`);
  }
  return order;
}

/**
 * Infer the concrete shape and dtype of every value in `graph`, given concrete shapes
 * for its inputs (graph inputs with fully static declared shapes may be left out).
 */
export function inferShapes(graph: Graph, inputShapes: Record<string, number[]>): ShapeInfo {
  const st: State = {
    graph,
    opset: graph.opset || 21,
    shapes: new Map(),
    dtypes: new Map(),
    constants: new Map(),
  };
  const inputNames = new Set(graph.inputs.map((i) => i.name));
  for (const name of Object.keys(inputShapes)) {
    if (!inputNames.has(name) && !graph.initializers.has(name)) {
      throw new ShapeInferenceError(
        `a shape was given for '${name}', which is not an input of the graph (inputs: ${[...inputNames].join(', ') || 'none'})`,
      );
    }
  }
  for (const init of graph.initializers.values()) {
    st.shapes.set(init.name, [...init.dims]);
    st.dtypes.set(init.name, init.dtype);
    if (sizeOf(init.dims) <= MAX_CONSTANT_ELEMENTS && init.dtype !== 'string') {
      try {
        st.constants.set(init.name, init.value());
      } catch {
        // an initializer we cannot decode is simply not a folding source
      }
    }
  }
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    let shape = inputShapes[input.name];
    if (!shape) {
      if (input.shape && input.shape.every((d): d is number => typeof d === 'number')) shape = input.shape;
      else {
        throw new ShapeInferenceError(
          `no shape given for graph input '${input.name}' (declared as [${(input.shape ?? []).map((d) => d ?? '?').join(', ')}])`,
        );
      }
    }
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeInferenceError(`input '${input.name}' has an invalid shape [${shape.join(', ')}]`);
    }
    st.shapes.set(input.name, [...shape]);
    st.dtypes.set(input.name, input.dtype);
  }

  // Topologically sorted already? (ONNX files normally are.)
  const known = new Set<string>([...st.shapes.keys()]);
  let sorted = true;
  const seen = new Set(known);
  for (const n of graph.nodes) {
    if (n.inputs.some((x) => x && !seen.has(x))) {
      sorted = false;
      break;
    }
    for (const o of n.outputs) if (o) seen.add(o);
  }
  const order = sorted ? graph.nodes : topoSort(graph, known);

  for (const node of order) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      throw new ShapeInferenceError(
        `no shape rule for op '${node.opType}' of domain '${node.domain}' (node '${node.name}'); only default-domain ONNX ops are supported`,
      );
    }
    const r = rules.get(node.opType);
    if (!r) {
      throw new ShapeInferenceError(
        `no shape rule for op '${node.opType}' (node '${node.name}'); supported: ${SUPPORTED_OPS.join(', ')}`,
      );
    }
    r(new Ctx(node, st));
    for (const o of node.outputs) {
      if (o && !st.shapes.has(o)) {
        throw new ShapeInferenceError(`${node.opType} node '${node.name}': output '${o}' got no shape`);
      }
    }
  }
  return { shapes: st.shapes, dtypes: st.dtypes, constants: st.constants };
}

