/**
 * Reading and writing ONNX files (onnx-proto, i.e. protobufjs static code) to and from the IR.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import onnxProto from 'onnx-proto';
import type {
  AttrValue,
  DType,
  Graph,
  Initializer,
  Node,
  Tensor,
  TypedData,
  ValueInfo,
  Dim,
} from './ir.js';
import { sizeOf, typedArrayFor } from './ir.js';
import { SaliencyError } from '../errors.js';

const { onnx } = onnxProto;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Exact int64 from a protobufjs value (number, Long or string), saturating at the int64 range. */
function toBigInt(v: unknown): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') b = v >= 2 ** 63 ? INT64_MAX : v <= -(2 ** 63) ? INT64_MIN : BigInt(Math.trunc(v));
  else b = BigInt(String(v));
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

/** An int attribute value for protobufjs: numbers beyond 2^53 (INT64_MAX in Slice ends) go as decimal strings. */
function int64ForProto(v: number): number | string {
  return Number.isSafeInteger(v) ? v : toBigInt(v).toString();
}
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type ITensorProto = ConstructorParameters<typeof onnx.TensorProto>[0] & object;

const DTYPE_BY_CODE: Record<number, DType> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};
const CODE_BY_DTYPE: Record<string, number> = Object.fromEntries(
  Object.entries(DTYPE_BY_CODE).map(([code, name]) => [name, Number(code)]),
);

export function dtypeFromCode(code: number): DType {
  const d = DTYPE_BY_CODE[code];
  if (!d) throw new Error(`unsupported ONNX tensor element type ${code}`);
  return d;
}
export function dtypeCode(dtype: DType): number {
  const c = CODE_BY_DTYPE[dtype];
  if (c === undefined) throw new Error(`no ONNX element type for ${dtype}`);
  return c;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof (v as { toNumber?: () => number }).toNumber === 'function') {
    return (v as { toNumber: () => number }).toNumber();
  }
  return Number(v);
}

export class OnnxLoadError extends SaliencyError {
  constructor(message: string) {
    super('bad-model', message);
    this.name = 'OnnxLoadError';
  }
}

/** Load an ONNX model from a file path (external data resolved next to it) or from bytes. */
export function loadOnnx(source: string | Uint8Array): Graph {
  let bytes: Uint8Array;
  // bytes (the browser has no process): external data, if any, is looked up from the working directory
  let baseDir = typeof process === 'undefined' ? '.' : process.cwd();
  const label = typeof source === 'string' ? source : '(bytes)';
  if (typeof source === 'string') {
    if (!existsSync(source)) throw new OnnxLoadError(`model file not found: ${source}`);
    bytes = readFileSync(source);
    baseDir = dirname(resolve(source));
  } else {
    bytes = source;
  }
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxLoadError(
      `${label} is not a readable ONNX model (protobuf decoding failed: ${(e as Error).message}). ` +
        'Check that the file is a complete .onnx export (e.g. from torch.onnx.export), not a truncated download or another format.',
    );
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) {
    throw new OnnxLoadError(`${label} decodes but holds no graph nodes: it is not an ONNX model (or an empty one).`);
  }
  return graphFromProto(model, baseDir, label);
}

function graphFromProto(model: InstanceType<typeof onnx.ModelProto>, baseDir: string, label: string): Graph {
  const g = model.graph as InstanceType<typeof onnx.GraphProto>;
  let opset = 0;
  const otherOpsets: Record<string, number> = {};
  for (const imp of model.opsetImport) {
    const domain = imp.domain ?? '';
    if (domain === '' || domain === 'ai.onnx') opset = toNumber(imp.version);
    else otherOpsets[domain] = toNumber(imp.version);
  }
  const initializers = new Map<string, Initializer>();
  for (const t of g.initializer) {
    const proto = resolveExternalData(t as TensorProto, baseDir, label);
    const dims = proto.dims.map(toNumber);
    const dtype = dtypeFromCode(proto.dataType);
    let cached: Tensor | undefined;
    initializers.set(proto.name, {
      name: proto.name,
      dtype,
      dims,
      proto,
      value: () => (cached ??= tensorFromProto(proto)),
    });
  }
  const valueInfo = new Map<string, ValueInfo>();
  for (const vi of g.valueInfo) {
    const v = valueInfoFromProto(vi);
    if (v) valueInfo.set(v.name, v);
  }
  const inputs = g.input
    .filter((i) => !initializers.has(i.name ?? ""))
    .map((i) => valueInfoFromProto(i))
    .filter((v): v is ValueInfo => v !== undefined);
  const outputs = g.output.map((o) => valueInfoFromProto(o)).filter((v): v is ValueInfo => v !== undefined);
  const nodes: Node[] = g.node.map((n, i) => ({
    name: n.name || `${n.opType}_${i}`,
    opType: n.opType ?? '',
    domain: n.domain === 'ai.onnx' ? '' : n.domain ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs: Object.fromEntries(
      (n.attribute ?? []).map((a) => [a.name, attrFromProto(a as InstanceType<typeof onnx.AttributeProto>)]),
    ),
  }));
  return {
    name: g.name || 'graph',
    nodes,
    inputs,
    outputs,
    initializers,
    valueInfo,
    opset,
    otherOpsets,
    irVersion: toNumber(model.irVersion),
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
  };
}

function resolveExternalData(t: TensorProto, baseDir: string, label: string): TensorProto {
  if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return t;
  const entries = Object.fromEntries(t.externalData.map((e) => [e.key, e.value]));
  const location = entries['location'];
  if (!location) throw new OnnxLoadError(`${label}: initializer '${t.name}' has external data without a location`);
  const file = isAbsolute(location) ? location : join(baseDir, location);
  if (!existsSync(file)) {
    throw new OnnxLoadError(
      `${label}: initializer '${t.name}' keeps its weights in the external file '${location}', which is missing ` +
        `(looked for ${file}). Keep the .onnx file and its data file in the same folder.`,
    );
  }
  const all = readFileSync(file);
  const offset = entries['offset'] ? Number(entries['offset']) : 0;
  const length = entries['length'] ? Number(entries['length']) : all.length - offset;
  const copy = onnx.TensorProto.fromObject(onnx.TensorProto.toObject(t));
  copy.rawData = all.subarray(offset, offset + length);
  copy.externalData = [];
  copy.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
  return copy;
}

function valueInfoFromProto(vi: {
  name?: string | null;
  type?: { tensorType?: { elemType?: number | null; shape?: { dim?: Array<{ dimValue?: unknown; dimParam?: string | null }> | null } | null } | null } | null;
}): ValueInfo | undefined {
  const tt = vi.type?.tensorType;
  if (!vi.name || !tt) return undefined;
  let shape: Dim[] | null = null;
  if (tt.shape) {
    shape = (tt.shape.dim ?? []).map((d) => {
      if (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0) return toNumber(d.dimValue);
      if (d.dimParam) return d.dimParam;
      return null;
    });
  }
  return { name: vi.name, dtype: DTYPE_BY_CODE[tt.elemType ?? 1] ?? 'float32', shape };
}

function attrFromProto(a: InstanceType<typeof onnx.AttributeProto>): AttrValue {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT:
      return { kind: 'float', value: a.f };
    case T.INT:
      return { kind: 'int', value: toNumber(a.i) };
    case T.STRING:
      return { kind: 'string', value: new TextDecoder().decode(a.s) };
    case T.FLOATS:
      return { kind: 'floats', value: [...a.floats] };
    case T.INTS:
      return { kind: 'ints', value: a.ints.map(toNumber) };
    case T.STRINGS:
      return { kind: 'strings', value: a.strings.map((s) => new TextDecoder().decode(s)) };
    case T.TENSOR:
      return { kind: 'tensor', value: tensorFromProto(a.t as TensorProto) };
    default:
      return { kind: 'opaque', value: a };
  }
}

/** Decode a TensorProto (raw_data or the typed repeated fields) into a typed array. */
export function tensorFromProto(t: TensorProto): Tensor {
  const dtype = dtypeFromCode(t.dataType);
  const dims = t.dims.map(toNumber);
  const n = sizeOf(dims);
  const data = typedArrayFor(dtype, n);
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    const bytesPer = data.BYTES_PER_ELEMENT;
    if (raw.length !== n * bytesPer) {
      throw new OnnxLoadError(`tensor '${t.name}' has ${raw.length} bytes of data for ${n} ${dtype} values`);
    }
    // Copy through a fresh buffer: raw may be unaligned.
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(raw);
    return { dtype, dims, data };
  }
  const fill = (src: ArrayLike<unknown>, conv: (v: unknown) => number | bigint) => {
    for (let i = 0; i < n; i++) (data as unknown as Array<number | bigint>)[i] = conv(src[i]);
  };
  switch (dtype) {
    case 'float32':
      fill(t.floatData, Number);
      break;
    case 'float64':
      fill(t.doubleData, Number);
      break;
    case 'int64':
      fill(t.int64Data, toBigInt);
      break;
    case 'uint64':
      fill(t.uint64Data, (v) => BigInt(String(v)));
      break;
    case 'int32':
    case 'int16':
    case 'int8':
    case 'uint8':
    case 'uint16':
    case 'bool':
    case 'float16':
    case 'bfloat16':
      fill(t.int32Data, toNumber);
      break;
    case 'uint32':
      fill(t.uint64Data, toNumber);
      break;
    default:
      throw new OnnxLoadError(`tensor '${t.name}' of type ${dtype} cannot be decoded`);
  }
  return { dtype, dims, data };
}

export function tensorToProto(name: string, t: Tensor): TensorProto {
  const data: TypedData = t.data;
  return onnx.TensorProto.create({
    name,
    dataType: dtypeCode(t.dtype),
    dims: t.dims,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  });
}

function attrToProto(name: string, a: AttrValue): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'float':
      return onnx.AttributeProto.create({ name, type: T.FLOAT, f: a.value });
    case 'int':
      return onnx.AttributeProto.create({ name, type: T.INT, i: int64ForProto(a.value) as number });
    case 'string':
      return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(a.value) });
    case 'floats':
      return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: a.value });
    case 'ints':
      return onnx.AttributeProto.create({ name, type: T.INTS, ints: a.value.map(int64ForProto) as number[] });
    case 'strings':
      return onnx.AttributeProto.create({ name, type: T.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) });
    case 'tensor':
      return onnx.AttributeProto.create({ name, type: T.TENSOR, t: tensorToProto('', a.value) });
    case 'opaque':
      return a.value as InstanceType<typeof onnx.AttributeProto>;
  }
}

function valueInfoToProto(v: ValueInfo) {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: dtypeCode(v.dtype),
        shape: v.shape
          ? { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : d ? { dimParam: d } : {})) }
          : undefined,
      },
    },
  });
}

/** Serialise the IR to ONNX bytes (what onnxruntime's InferenceSession.create accepts). */
export function saveOnnx(graph: Graph): Uint8Array {
  const initializer = [...graph.initializers.values()].map((init) =>
    init.proto ? (init.proto as TensorProto) : tensorToProto(init.name, init.value()),
  );
  const opsetImport = [{ domain: '', version: graph.opset }];
  for (const [domain, version] of Object.entries(graph.otherOpsets)) opsetImport.push({ domain, version });
  const model = onnx.ModelProto.create({
    irVersion: Math.max(graph.irVersion, graph.opset >= 16 ? 8 : graph.irVersion),
    producerName: 'saliency-lab',
    opsetImport,
    graph: onnx.GraphProto.create({
      name: graph.name,
      node: graph.nodes.map((n) =>
        onnx.NodeProto.create({
          name: n.name,
          opType: n.opType,
          domain: n.domain,
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attrs).map(([k, v]) => attrToProto(k, v)),
        }),
      ),
      initializer,
      input: graph.inputs.map(valueInfoToProto),
      output: graph.outputs.map(valueInfoToProto),
      valueInfo: [...graph.valueInfo.values()].map(valueInfoToProto),
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}
