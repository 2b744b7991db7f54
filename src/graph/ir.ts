/**
 * A small, mutable intermediate representation of an ONNX graph.
 *
 * It keeps what the rewrite needs (nodes, attributes, value shapes, initializers)
 * in plain TypeScript values, and keeps the original TensorProto of every
 * initializer so weights are written back byte-for-byte without a decode/encode
 * round trip (see onnx.ts).
 */

export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'bfloat16';

export type TypedData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/** A materialised constant tensor. */
export interface Tensor {
  dtype: DType;
  dims: number[];
  data: TypedData;
}

export type AttrValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: Tensor }
  /** Subgraphs and other exotic attributes are kept opaque (the raw proto). */
  | { kind: 'opaque'; value: unknown };

export interface Node {
  name: string;
  opType: string;
  /** '' is the default ONNX domain. */
  domain: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

/** A static dimension is a number; a symbolic one is a string (e.g. 'batch'); unknown is null. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  dtype: DType;
  shape: Dim[] | null;
}

export interface Initializer {
  name: string;
  dtype: DType;
  dims: number[];
  /** Decoded lazily; large weights are usually never decoded. */
  value(): Tensor;
  /** The original protobuf message, re-used as is when the graph is written back. */
  readonly proto?: unknown;
}

export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Initializer>;
  /** Shapes and types from the file's value_info (inputs and outputs are in their own lists). */
  valueInfo: Map<string, ValueInfo>;
  /** Version of the default ('' / 'ai.onnx') opset. */
  opset: number;
  /** Other opset imports, e.g. { 'com.microsoft': 1 }. */
  otherOpsets: Record<string, number>;
  irVersion: number;
  producer: string;
}

// ---------------------------------------------------------------------------
// attribute access

export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.kind !== 'int') throw new Error(`${describeNode(node)}: attribute '${name}' should be an int, got ${a.kind}`);
  return a.value;
}

export function attrFloat(node: Node, name: string, fallback: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.kind === 'float' || a.kind === 'int') return a.value;
  throw new Error(`${describeNode(node)}: attribute '${name}' should be a float, got ${a.kind}`);
}

export function attrInts(node: Node, name: string, fallback: number[]): number[];
export function attrInts(node: Node, name: string): number[] | undefined;
export function attrInts(node: Node, name: string, fallback?: number[]): number[] | undefined {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.kind !== 'ints') throw new Error(`${describeNode(node)}: attribute '${name}' should be a list of ints, got ${a.kind}`);
  return a.value;
}

export function attrFloats(node: Node, name: string): number[] | undefined {
  const a = node.attrs[name];
  if (a === undefined) return undefined;
  if (a.kind !== 'floats') throw new Error(`${describeNode(node)}: attribute '${name}' should be a list of floats, got ${a.kind}`);
  return a.value;
}

export function attrString(node: Node, name: string, fallback: string): string;
export function attrString(node: Node, name: string): string | undefined;
export function attrString(node: Node, name: string, fallback?: string): string | undefined {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.kind !== 'string') throw new Error(`${describeNode(node)}: attribute '${name}' should be a string, got ${a.kind}`);
  return a.value;
}

export function attrTensor(node: Node, name: string): Tensor | undefined {
  const a = node.attrs[name];
  if (a === undefined) return undefined;
  if (a.kind !== 'tensor') throw new Error(`${describeNode(node)}: attribute '${name}' should be a tensor, got ${a.kind}`);
  return a.value;
}

export function describeNode(node: Node): string {
  return `${node.opType} node '${node.name || '(unnamed)'}'`;
}

// ---------------------------------------------------------------------------
// tensors

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function typedArrayFor(dtype: DType, length: number): TypedData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint64':
      return new BigUint64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(length);
    case 'uint32':
      return new Uint32Array(length);
    default:
      throw new Error(`tensors of type ${dtype} are not supported`);
  }
}

/** Plain numbers of a tensor (int64 converted; fine for shapes and indices). */
export function tensorNumbers(t: Tensor): number[] {
  const out: number[] = new Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  return out;
}

export function int64Tensor(values: readonly number[], dims: number[] = [values.length]): Tensor {
  return { dtype: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

export function float32Tensor(values: ArrayLike<number>, dims: number[]): Tensor {
  return { dtype: 'float32', dims, data: Float32Array.from(values) };
}

export function initializerFromTensor(name: string, t: Tensor): Initializer {
  return { name, dtype: t.dtype, dims: t.dims, value: () => t };
}

/** Names of every value in the graph that is produced by a node, an input or an initializer. */
export function producers(graph: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) m.set(o, n);
  return m;
}

/** A name not yet used in the graph, built from a readable stem. */
export class NameSource {
  private readonly used = new Set<string>();
  private counter = 0;
  constructor(graph: Graph) {
    for (const n of graph.nodes) {
      this.used.add(n.name);
      for (const x of n.inputs) this.used.add(x);
      for (const x of n.outputs) this.used.add(x);
    }
    for (const i of graph.inputs) this.used.add(i.name);
    for (const name of graph.initializers.keys()) this.used.add(name);
  }
  fresh(stem: string): string {
    let name = stem;
    while (this.used.has(name)) name = `${stem}__${++this.counter}`;
    this.used.add(name);
    return name;
  }
}
