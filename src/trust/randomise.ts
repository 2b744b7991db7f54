/**
 * Model randomisation by rewriting initializers in the ONNX graph (Adebayo et al. 2018),
 * so it works on any ONNX model: re-initialise the weights and biases of chosen layers
 * (Conv, ConvTranspose, Gemm, MatMul with a constant weight) with Gaussian values of the
 * original weights' standard deviation, or add Gaussian noise to every layer's weights
 * (the model-perturbation test of the Geometrically Guided IG abstract).
 */
import type { Graph, Node } from '../graph/ir.js';
import { float32Tensor, initializerFromTensor } from '../graph/ir.js';
import { Rng } from '../random.js';

const LAYER_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** Layers with constant float weights, from the output down (the cascading order). */
export function randomisableLayers(graph: Graph): string[] {
  const isWeight = (n: Node) => LAYER_OPS.has(n.opType) && graph.initializers.get(n.inputs[1])?.dtype === 'float32';
  return graph.nodes.filter(isWeight).map((n) => n.name).reverse();
}

function std(a: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
  }
  const m = s / Math.max(a.length, 1);
  return Math.sqrt(Math.max(s2 / Math.max(a.length, 1) - m * m, 0));
}

/** The layer's weight and (if constant) bias initializer names. */
function parameterNames(graph: Graph, layer: string): string[] {
  const node = graph.nodes.find((n) => n.name === layer);
  if (!node) throw new Error(`no layer named '${layer}' in the model; randomisable layers: ${randomisableLayers(graph).join(', ')}`);
  return node.inputs.slice(1, 3).filter((name) => name && graph.initializers.has(name));
}

function rewrite(graph: Graph, names: string[], f: (values: Float32Array, rng: Rng) => Float32Array, seed: number): Graph {
  const initializers = new Map(graph.initializers);
  names.forEach((name, k) => {
    const init = graph.initializers.get(name)!;
    const values = init.value().data as Float32Array;
    initializers.set(name, initializerFromTensor(name, float32Tensor(f(values, new Rng(seed, 0x5a17, k)), [...init.dims])));
  });
  return { ...graph, initializers };
}

/** A copy of the graph with `layers` re-initialised (weights and biases), seeded. */
export function randomiseLayers(graph: Graph, layers: readonly string[], seed: number): Graph {
  const names = layers.flatMap((l) => parameterNames(graph, l));
  return rewrite(graph, names, (values, rng) => rng.fillNormal(new Float32Array(values.length), 0, std(values) || 0.01), seed);
}

/** A copy of the graph with Gaussian noise of `scale` x each weight's standard deviation added to every layer. */
export function perturbWeights(graph: Graph, scale: number, seed: number): Graph {
  const names = randomisableLayers(graph).flatMap((l) => parameterNames(graph, l));
  return rewrite(graph, names, (values, rng) => {
    const sd = scale * std(values);
    return Float32Array.from(values, (v) => v + sd * rng.normal());
  }, seed);
}
