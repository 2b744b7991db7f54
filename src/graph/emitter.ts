/**
 * Emits new nodes and constants into a graph under construction, in a way that
 * respects the graph's opset (attributes that became inputs, e.g. ReduceSum axes in 13).
 */
import type { AttrValue, DType, Graph, Node, Tensor } from './ir.js';
import { NameSource, initializerFromTensor, int64Tensor, typedArrayFor } from './ir.js';

export type AttrInput = AttrValue | number | number[] | string;

/** An attribute from a plain value: integers become ints, other numbers floats, arrays int lists. */
export function toAttr(v: AttrInput): AttrValue {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v };
  if (Array.isArray(v)) return { kind: 'ints', value: v };
  return v;
}

/** A float attribute even when the value happens to be an integer (e.g. alpha = 1). */
export function floatAttr(value: number): AttrValue {
  return { kind: 'float', value };
}

export class Emitter {
  readonly nodes: Node[] = [];
  private readonly constCache = new Map<string, string>();

  constructor(
    readonly graph: Graph,
    readonly names: NameSource,
    /** The stem used for generated node and value names. */
    private readonly stem = 'sl',
  ) {}

  get opset(): number {
    return this.graph.opset;
  }

  /** Add one node; returns the names of its outputs. */
  opN(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}, outputs = 1, domain = ''): string[] {
    const name = this.names.fresh(`${this.stem}/${opType}`);
    const outs = Array.from({ length: outputs }, (_, i) => this.names.fresh(`${name}_out${i}`));
    const node: Node = {
      name,
      opType,
      domain,
      inputs,
      outputs: outs,
      attrs: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, toAttr(v)])),
    };
    this.nodes.push(node);
    this.graph.nodes.push(node);
    return outs;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}): string {
    return this.opN(opType, inputs, attrs, 1)[0];
  }

  /** A constant as an initializer (deduplicated by content for small tensors). */
  constant(t: Tensor, stem = 'const'): string {
    const key = t.data.length <= 64 ? `${t.dtype}|${t.dims.join(',')}|${Array.from(t.data as ArrayLike<number | bigint>, String).join(',')}` : undefined;
    if (key !== undefined) {
      const hit = this.constCache.get(key);
      if (hit) return hit;
    }
    const name = this.names.fresh(`${this.stem}/${stem}`);
    this.graph.initializers.set(name, initializerFromTensor(name, t));
    if (key !== undefined) this.constCache.set(key, name);
    return name;
  }

  scalar(value: number, dtype: DType = 'float32'): string {
    const data = typedArrayFor(dtype, 1);
    (data as unknown as Array<number | bigint>)[0] = dtype === 'int64' ? BigInt(value) : value;
    return this.constant({ dtype, dims: [], data }, 'scalar');
  }

  ints(values: readonly number[]): string {
    return this.constant(int64Tensor(values), 'ints');
  }

  reshape(x: string, shape: readonly number[]): string {
    return this.op('Reshape', [x, this.ints(shape)]);
  }

  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op('ReduceSum', [x], { axes: [...axes], keepdims: keepdims ? 1 : 0 });
  }

  reduceMean(x: string, axes: readonly number[], keepdims: boolean): string {
    if (this.opset >= 18) return this.op('ReduceMean', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op('ReduceMean', [x], { axes: [...axes], keepdims: keepdims ? 1 : 0 });
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    if (this.opset >= 13) return this.op('Unsqueeze', [x, this.ints(axes)]);
    return this.op('Unsqueeze', [x], { axes: [...axes] });
  }

  /** Split along an axis into pieces of the given sizes. */
  split(x: string, axis: number, sizes: readonly number[]): string[] {
    if (this.opset >= 13) return this.opN('Split', [x, this.ints(sizes)], { axis }, sizes.length);
    return this.opN('Split', [x], { axis, split: [...sizes] }, sizes.length);
  }

  /** Slice with static starts/ends along the given axes (opset >= 10 form). */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): string {
    const inputs = [x, this.ints(starts), this.ints(ends), this.ints(axes)];
    if (steps) inputs.push(this.ints(steps));
    return this.op('Slice', inputs);
  }

  /** Constant-mode Pad with static pads ([begin..., end...]). */
  pad(x: string, pads: readonly number[]): string {
    if (this.opset >= 11) return this.op('Pad', [x, this.ints(pads)], { mode: 'constant' });
    return this.op('Pad', [x], { mode: 'constant', pads: [...pads] });
  }

  zeros(dims: readonly number[], dtype: DType = 'float32'): string {
    const value = typedArrayFor(dtype, 1);
    return this.op('ConstantOfShape', [this.ints(dims)], { value: { kind: 'tensor', value: { dtype, dims: [1], data: value } } });
  }

  /** Sum of several tensors of the same shape (none: undefined). */
  sum(xs: string[]): string | undefined {
    if (xs.length === 0) return undefined;
    if (xs.length === 1) return xs[0];
    if (xs.length === 2) return this.op('Add', xs);
    return this.op('Sum', xs);
  }
}
