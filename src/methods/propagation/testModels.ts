/**
 * Small ONNX graphs for the propagation tests, built in the graph IR (not part of the API).
 */
import type { AttrValue, Graph } from '../../graph/ir.js';
import { float32Tensor, initializerFromTensor } from '../../graph/ir.js';
import { saveOnnx } from '../../graph/onnx.js';

export class GraphBuilder {
  readonly graph: Graph = {
    name: 'propagation-test',
    nodes: [],
    inputs: [],
    outputs: [],
    initializers: new Map(),
    valueInfo: new Map(),
    opset: 17,
    otherOpsets: {},
    irVersion: 8,
    producer: 'saliency-lab tests',
  };
  private count = 0;
  input(shape: number[]): string {
    this.graph.inputs.push({ name: 'input', dtype: 'float32', shape: ['batch', ...shape] });
    return 'input';
  }
  floats(values: ArrayLike<number>, dims: number[] = [values.length]): string {
    const name = `c${this.count++}`;
    this.graph.initializers.set(name, initializerFromTensor(name, float32Tensor(Array.from(values), dims)));
    return name;
  }
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): string {
    const out = name ?? `${opType.toLowerCase()}${this.count++}`;
    this.graph.nodes.push({ name: out, opType, domain: '', inputs, outputs: [out], attrs });
    return out;
  }
  output(name: string): Uint8Array {
    this.graph.outputs.push({ name, dtype: 'float32', shape: null });
    return saveOnnx(this.graph);
  }
}

export const ints = (value: number[]): AttrValue => ({ kind: 'ints', value });
export const int = (value: number): AttrValue => ({ kind: 'int', value });
export const float = (value: number): AttrValue => ({ kind: 'float', value });

/** Deterministic values in [lo, hi). */
export function values(n: number, seed: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, (_, i) => {
    const v = Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453;
    return lo + (hi - lo) * (v - Math.floor(v));
  });
}
