/**
 * The spatially local prefix of an image model (for incremental inference, Krypton:
 * Nakandala et al. 2019): from the NCHW image input, the nodes whose every output position
 * depends only on a box of input rows and columns (Conv, pools, BatchNorm, pointwise
 * activations, elementwise ops with per-channel constants, channel Concat), and the tensors
 * T that cut the graph there: every path from the input to the outputs passes through T.
 *
 * Geometry along each spatial axis: position i of a tensor reads input positions
 * [i * jump + offset, i * jump + offset + field) (offset < 0 with padding; the union over
 * every path reaching it). Cost: a rough per-node work count (MACs for Conv / Gemm / MatMul,
 * plus a weight per output element) so the engine can weigh recomputing a crop of the prefix.
 */
import type { Graph, Node } from './ir.js';
import { attrInt, attrInts, attrString, sizeOf } from './ir.js';
import type { ShapeInfo } from './shapes.js';
import { pruneDeadNodes } from './autodiff.js';

export interface AxisGeometry {
  jump: number;
  offset: number;
  field: number;
}
export interface SpatialGeometry {
  rows: AxisGeometry;
  cols: AxisGeometry;
}
export interface PrefixCut {
  tensor: string;
  /** One example's shape [C, h, w]. */
  shape: number[];
  geometry: SpatialGeometry;
  /** Work of the input-dependent nodes up to and including T's producer. */
  prefixCost: number;
}
export interface LocalPrefix {
  input: string;
  /** Geometry of every tensor of the local prefix (the input included). */
  geometry: Map<string, SpatialGeometry>;
  /** Candidate cuts in graph order. */
  cuts: PrefixCut[];
  /** Work of every input-dependent node of the graph. */
  totalCost: number;
}

const POINTWISE = new Set([
  'Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Identity', 'Tanh', 'Elu', 'Selu', 'Softplus',
  'Neg', 'Abs', 'Erf', 'Gelu', 'Dropout', 'BatchNormalization', 'PRelu',
]);
const ELEMENTWISE = new Set(['Add', 'Mul', 'Sub', 'Div']);

/**
 * What one output element costs in multiply-accumulates: onnxruntime's CPU kernels are
 * memory-bound on large activations (an expand Conv at 112x112 took 15% of mobilenet_v2's
 * time for 6% of its MACs). Fitted, with the constants of engine/incremental.ts, on the
 * measured times of mobilenet_v2 occlusion through each candidate cut (bench/incremental-check.ts --cuts).
 */
export const ELEMENT_WORK = 30;

/** Work of one node: multiply-accumulates for Conv, ConvTranspose, Gemm, MatMul, plus ELEMENT_WORK per output element. */
export function nodeCost(node: Node, info: ShapeInfo): number {
  const out = info.shapes.get(node.outputs[0]);
  const outSize = out ? sizeOf(out) : 0;
  const elements = node.outputs.reduce((s, o) => s + sizeOf(info.shapes.get(o) ?? [0]), 0) * ELEMENT_WORK;
  const weight = info.shapes.get(node.inputs[1] ?? '');
  if (node.opType === 'Conv' && weight) return elements + outSize * sizeOf(weight.slice(1));
  if (node.opType === 'ConvTranspose' && weight) return elements + sizeOf(info.shapes.get(node.inputs[0]) ?? []) * sizeOf(weight.slice(1));
  if (node.opType === 'MatMul' || node.opType === 'Gemm') {
    const a = info.shapes.get(node.inputs[0]) ?? [];
    const k = node.opType === 'Gemm' && attrInt(node, 'transA', 0) ? a[0] : a[a.length - 1];
    return elements + outSize * (k ?? 1);
  }
  return elements;
}

function union(a: AxisGeometry, b: AxisGeometry): AxisGeometry | undefined {
  if (a.jump !== b.jump) return undefined;
  const offset = Math.min(a.offset, b.offset);
  return { jump: a.jump, offset, field: Math.max(a.offset + a.field, b.offset + b.field) - offset };
}

/** A window op (Conv, pool) seen from its output: kernel k, stride s, leading pad p, dilation d. */
function windowed(g: AxisGeometry, k: number, s: number, p: number, d: number): AxisGeometry {
  return { jump: g.jump * s, offset: g.offset - p * g.jump, field: g.field + d * (k - 1) * g.jump };
}

/** Geometry of a node's output, or undefined when the node is not spatially local. */
function localGeometry(node: Node, info: ShapeInfo, geo: Map<string, SpatialGeometry>, dependent: Set<string>): SpatialGeometry | undefined {
  const outs = node.outputs.filter((o) => o);
  const shape = info.shapes.get(outs[0]);
  if (outs.length !== 1 || shape?.length !== 4) return undefined;
  const dep = node.inputs.filter((x) => x && dependent.has(x));
  if (dep.some((x) => !geo.has(x))) return undefined;
  const op = node.opType;
  if (op === 'Conv' || op === 'MaxPool' || op === 'AveragePool') {
    if (dep.length !== 1 || node.inputs[0] !== dep[0]) return undefined;
    const pad = attrString(node, 'auto_pad', 'NOTSET');
    if (pad !== 'NOTSET' && pad !== 'VALID') return undefined;
    const kernel = attrInts(node, 'kernel_shape') ?? info.shapes.get(node.inputs[1])?.slice(2);
    if (kernel?.length !== 2) return undefined;
    const strides = attrInts(node, 'strides', [1, 1]);
    const pads = pad === 'VALID' ? [0, 0, 0, 0] : attrInts(node, 'pads', [0, 0, 0, 0]);
    const dil = attrInts(node, 'dilations', [1, 1]);
    const g = geo.get(dep[0])!;
    return { rows: windowed(g.rows, kernel[0], strides[0], pads[0], dil[0]), cols: windowed(g.cols, kernel[1], strides[1], pads[1], dil[1]) };
  }
  if (POINTWISE.has(op)) {
    if (dep.length !== 1 || node.inputs[0] !== dep[0]) return undefined;
    if (op === 'BatchNormalization' && attrInt(node, 'training_mode', 0) !== 0) return undefined;
    if (op === 'PRelu' && !perChannel(info.shapes.get(node.inputs[1]) ?? [0])) return undefined;
    return geo.get(dep[0]);
  }
  if (ELEMENTWISE.has(op) || (op === 'Concat' && [1, -3].includes(attrInt(node, 'axis', 0)))) {
    const shapes = node.inputs.map((x) => info.shapes.get(x));
    for (let k = 0; k < node.inputs.length; k++) {
      const s = shapes[k];
      if (!s) return undefined;
      if (dependent.has(node.inputs[k])) {
        if (s.length !== 4 || s[0] !== shape[0] || s[2] !== shape[2] || s[3] !== shape[3]) return undefined;
      } else if (op === 'Concat' || !perChannel(s)) return undefined;
    }
    let g: SpatialGeometry | undefined = geo.get(dep[0]);
    for (const x of dep.slice(1)) {
      const h = geo.get(x)!;
      const rows = g && union(g.rows, h.rows);
      const cols = g && union(g.cols, h.cols);
      g = rows && cols ? { rows, cols } : undefined;
    }
    return g;
  }
  return undefined;
}

/** A constant broadcast against [N, C, H, W] that varies at most along the channel axis. */
function perChannel(dims: readonly number[]): boolean {
  const offset = 4 - dims.length;
  return offset >= 0 && dims.every((d, i) => d === 1 || i + offset === 1);
}

/**
 * The local prefix of `graph` from the image input `input` ([N, C, H, W] in `info`) and its cuts.
 * Nodes are taken in file order (ONNX files are topologically sorted).
 */
export function localPrefix(graph: Graph, info: ShapeInfo, input: string): LocalPrefix {
  const geometry = new Map<string, SpatialGeometry>();
  const result: LocalPrefix = { input, geometry, cuts: [], totalCost: 0 };
  const unit = { jump: 1, offset: 0, field: 1 };
  if (info.shapes.get(input)?.length !== 4) return result;
  geometry.set(input, { rows: unit, cols: unit });
  // the last node reading each tensor (graph outputs live to the end)
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((x) => x && lastUse.set(x, i)));
  for (const o of graph.outputs) lastUse.set(o.name, Infinity);
  const dependent = new Set([input]);
  const live = new Set(lastUse.has(input) ? [input] : []);
  let local = true;
  let cost = 0;
  graph.nodes.forEach((node, i) => {
    if (!node.inputs.some((x) => dependent.has(x))) return;
    const outs = node.outputs.filter((o) => o);
    for (const o of outs) dependent.add(o);
    const c = nodeCost(node, info);
    result.totalCost += c;
    if (!local) return;
    const g = localGeometry(node, info, geometry, dependent);
    if (!g) {
      local = false;
      return;
    }
    cost += c;
    geometry.set(outs[0], g);
    for (const x of node.inputs) if (lastUse.get(x) === i) live.delete(x);
    if ((lastUse.get(outs[0]) ?? -1) > i) live.add(outs[0]);
    const [t] = live;
    if (live.size === 1 && t === outs[0] && lastUse.get(t) !== Infinity) {
      result.cuts.push({ tensor: t, shape: info.shapes.get(t)!.slice(1), geometry: g, prefixCost: cost });
    }
  });
  return result;
}

/** The graph from `input` to the cut tensor, for an input of any spatial size (value shapes dropped). */
export function prefixGraph(graph: Graph, input: string, cut: string): Graph {
  const dims = graph.inputs.find((i) => i.name === input)?.shape ?? [];
  const prefix: Graph = {
    ...graph,
    nodes: [...graph.nodes],
    initializers: new Map(graph.initializers),
    valueInfo: new Map(),
    inputs: [{ name: input, dtype: 'float32', shape: ['batch', dims[1] ?? 'channels', 'height', 'width'] }],
    outputs: [{ name: cut, dtype: 'float32', shape: null }],
  };
  pruneDeadNodes(prefix);
  return prefix;
}

/** The graph after the cut: the cut tensor is its only input (of shape [batch, ...cutShape]). */
export function suffixGraph(graph: Graph, cut: string, cutShape: number[], outputs: string[]): Graph {
  const suffix: Graph = {
    ...graph,
    nodes: graph.nodes.map((n) => (n.outputs.includes(cut) ? { ...n, outputs: n.outputs.map((o) => (o === cut ? `${o}/cut` : o)) } : n)),
    initializers: new Map(graph.initializers),
    inputs: [{ name: cut, dtype: 'float32', shape: ['batch', ...cutShape] }],
    outputs: outputs.map((name) => ({ name, dtype: 'float32' as const, shape: null })),
  };
  try {
    pruneDeadNodes(suffix);
  } catch (e) {
    throw new Error(`'${cut}' does not cut the graph (a path from the input bypasses it): ${(e as Error).message}`);
  }
  return suffix;
}
