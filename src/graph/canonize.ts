/**
 * Function-preserving graph rewrites used before differentiation with non-gradient rules.
 *
 * foldBatchNorm: an inference BatchNormalization whose input is produced by a Conv or a
 * Gemm (and read by nothing else) is merged into that layer's weight and bias, as Zennit's
 * MergeBatchNorm canonizer does:
 *   scale = gamma / sqrt(var + eps),  W' = W * scale (per output channel),
 *   b' = (b - mean) * scale + beta.
 * The merged layer takes the BatchNormalization's output name, so outputs and downstream
 * taps keep their names (the layer's own pre-normalisation output disappears).
 */
import type { Graph, Node, Tensor } from './ir.js';
import type { ShapeInfo } from './shapes.js';
import { narrowToGathered } from './narrow.js';
import { attrFloat, attrInt, float32Tensor, initializerFromTensor, NameSource, tensorNumbers } from './ir.js';

function constant(graph: Graph, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const init = graph.initializers.get(name);
  if (!init || init.dtype !== 'float32') return undefined;
  return tensorNumbers(init.value() as Tensor);
}

export function foldBatchNorm(source: Graph): Graph {
  const graph: Graph = { ...source, nodes: [...source.nodes], initializers: new Map(source.initializers) };
  const names = new NameSource(graph);
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const x of n.inputs) if (x) readers.set(x, (readers.get(x) ?? 0) + 1);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const removed = new Set<Node>();

  for (const bn of source.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.filter(Boolean).length !== 1) continue;
    if (attrInt(bn, 'training_mode', 0) !== 0) continue;
    const layer = producer.get(bn.inputs[0]);
    if (!layer || (layer.opType !== 'Conv' && layer.opType !== 'Gemm') || layer.outputs.length !== 1) continue;
    if (readers.get(bn.inputs[0]) !== 1 || outputs.has(bn.inputs[0])) continue;
    const [gamma, beta, mean, variance] = bn.inputs.slice(1).map((n) => constant(graph, n));
    const wInit = graph.initializers.get(layer.inputs[1]);
    const w = constant(graph, layer.inputs[1]);
    if (!gamma || !beta || !mean || !variance || !w || !wInit) continue;
    const channels = gamma.length;
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const scale = gamma.map((g, c) => g / Math.sqrt(variance[c] + eps));
    let bias = layer.inputs[2] ? constant(graph, layer.inputs[2]) : new Array<number>(channels).fill(0);
    if (!bias) continue;
    const dims = wInit.dims.map(Number);
    let channelOf: (i: number) => number;
    if (layer.opType === 'Conv') {
      const per = w.length / dims[0];
      channelOf = (i) => Math.floor(i / per);
    } else {
      // Gemm: Y = alpha A B' + beta C, output channels on B's axis 0 (transB) or 1
      if (attrInt(layer, 'transA', 0) !== 0 && dims.length !== 2) continue;
      channelOf = attrInt(layer, 'transB', 0) ? (i) => Math.floor(i / dims[1]) : (i) => i % dims[1];
      const b = attrFloat(layer, 'beta', 1);
      if (bias.length === 1) bias = new Array<number>(channels).fill(bias[0]);
      if (bias.length !== channels) continue;
      bias = bias.map((v) => v * b);
    }
    if (bias.length !== channels || dims[layer.opType === 'Conv' ? 0 : attrInt(layer, 'transB', 0) ? 0 : 1] !== channels) continue;
    const wName = names.fresh(`${layer.inputs[1]}/bn_folded`);
    const bName = names.fresh(`${layer.name}/bias_bn_folded`);
    graph.initializers.set(wName, initializerFromTensor(wName, float32Tensor(w.map((v, i) => v * scale[channelOf(i)]), dims)));
    graph.initializers.set(bName, initializerFromTensor(bName, float32Tensor(bias.map((v, c) => (v - mean[c]) * scale[c] + beta[c]), [channels])));
    const merged: Node = { ...layer, inputs: [layer.inputs[0], wName, bName], outputs: [bn.outputs[0]] };
    if (layer.opType === 'Gemm') merged.attrs = { ...layer.attrs, beta: { kind: 'float', value: 1 } };
    graph.nodes[graph.nodes.indexOf(layer)] = merged;
    removed.add(bn);
  }
  graph.nodes = graph.nodes.filter((n) => !removed.has(n));
  return graph;
}

/**
 * poolBeforeRelu: Relu -> MaxPool becomes MaxPool -> Relu where the Relu's output is read by
 * that MaxPool alone and is not in `keep` (requested outputs, taps, wrt tensors). Max and
 * ReLU commute exactly, values and plain gradients alike (a window whose maximum is <= 0
 * passes no gradient either way; otherwise the first maximum is the same element), so the
 * gradient graph masks a quarter of the values (2x2 pooling). The MaxPool's output keeps its
 * name; the Relu's full-size output disappears. For the plain gradient rule set.
 */
export function poolBeforeRelu(source: Graph, keep: ReadonlySet<string>): Graph {
  const readers = new Map<string, number>();
  for (const n of source.nodes) for (const x of n.inputs) if (x) readers.set(x, (readers.get(x) ?? 0) + 1);
  const outputs = new Set(source.outputs.map((o) => o.name));
  const producer = new Map<string, Node>();
  for (const n of source.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const names = new NameSource(source);
  const swapped = new Map<Node, Node[]>();
  for (const pool of source.nodes) {
    if (pool.opType !== 'MaxPool' || pool.outputs.filter(Boolean).length !== 1) continue;
    const relu = producer.get(pool.inputs[0]);
    const r = pool.inputs[0];
    if (!relu || relu.opType !== 'Relu' || readers.get(r) !== 1 || outputs.has(r) || keep.has(r) || swapped.has(relu)) continue;
    const pooled = names.fresh(`${pool.outputs[0]}/before_relu`);
    swapped.set(relu, []);
    swapped.set(pool, [
      { ...pool, inputs: [relu.inputs[0]], outputs: [pooled] },
      { ...relu, inputs: [pooled], outputs: [pool.outputs[0]] },
    ]);
  }
  if (swapped.size === 0) return source;
  return { ...source, nodes: source.nodes.flatMap((n) => swapped.get(n) ?? [n]) };
}

/**
 * The exact rewrites the engine applies before building a plain-gradient graph: the rows a
 * Gather keeps computed alone (narrowToGathered, narrow.ts), then Relu -> MaxPool as
 * MaxPool -> Relu (poolBeforeRelu). `keep`: the tensors asked for (outputs, taps, wrt),
 * which both leave as they are. Used by onnxRuntimeModel.ts and bench/profile.ts.
 */
export function plainGradientRewrites(source: Graph, info: ShapeInfo, keep: ReadonlySet<string>): Graph {
  return poolBeforeRelu(narrowToGathered(source, info, keep), keep);
}
