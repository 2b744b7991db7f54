/**
 * The forward side of the IR round trip: ONNX's own operator test cases (Debian's libonnx-testdata)
 * are loaded with loadOnnx, written back with saveOnnx, run in onnxruntime and compared with the
 * expected outputs shipped with the cases.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import type { Tensor } from './ir.js';
import { loadOnnx, saveOnnx, tensorFromProto } from './onnx.js';

const { onnx } = onnxProto;

const TESTDATA = '/usr/share/libonnx-testdata/data';
const NODE_DIR = join(TESTDATA, 'node');

const OPS = new Set([
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Relu', 'LeakyRelu', 'PRelu', 'Clip', 'Sigmoid', 'Tanh', 'Softmax',
  'LogSoftmax', 'Erf', 'HardSigmoid', 'HardSwish', 'BatchNormalization', 'LayerNormalization', 'MaxPool', 'AveragePool',
  'GlobalAveragePool', 'ReduceMean', 'ReduceSum', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Concat', 'Split', 'Slice', 'Flatten',
  'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Pad', 'Resize', 'Identity', 'Dropout', 'Constant', 'Shape', 'Gather',
  'ConstantOfShape', 'Cast', 'Expand', 'Where',
]);

/** Training-mode cases (BatchNormalization training_mode=1, Dropout in training). */
const TRAINING = /training/;

type ModelProto = InstanceType<typeof onnx.ModelProto>;
type GraphProto = InstanceType<typeof onnx.GraphProto>;
type TypeProto = NonNullable<InstanceType<typeof onnx.ValueInfoProto>['type']>;

/** Element types onnxruntime-node can take and give back as JS typed arrays. */
const ORT_TYPES = new Set(['float32', 'float64', 'float16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'uint64', 'bool']);
const FLOAT_TYPES = new Set(['float32', 'float64', 'float16']);

/**
 * The op a case tests: the single op type of its model; for an `_expanded` case, the op of the
 * case it expands; otherwise the single op besides Constant nodes.
 */
function caseOp(name: string, model: ModelProto): string | undefined {
  const types = new Set((model.graph as GraphProto | null)?.node.map((n) => n.opType ?? '') ?? []);
  if (types.size === 1) return [...types][0];
  if (name.endsWith('_expanded')) {
    const base = join(NODE_DIR, name.slice(0, -'_expanded'.length), 'model.onnx');
    if (existsSync(base)) return caseOp('', onnx.ModelProto.decode(readFileSync(base)));
    return undefined;
  }
  types.delete('Constant');
  return types.size === 1 ? [...types][0] : undefined;
}

/** Why a value's type is out of scope (sequence, optional, map, string, bfloat16), or undefined. */
function unsupportedType(t: TypeProto | null | undefined): string | undefined {
  if (!t || !t.tensorType) return 'a non-tensor (sequence/optional/map) type';
  const code = t.tensorType.elemType ?? 0;
  if (code === 8) return 'string tensors';
  if (code === 16) return 'bfloat16 tensors';
  return undefined;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
}

function values(dtype: string, data: ArrayLike<number | bigint | boolean>): Array<number | bigint> {
  if (dtype === 'float16') return Array.from(data as ArrayLike<number>, halfToFloat);
  if (dtype === 'bool') return Array.from(data, (v) => (v ? 1 : 0));
  if (dtype === 'int64' || dtype === 'uint64') return Array.from(data, (v) => BigInt(v));
  return Array.from(data, Number);
}

/** undefined when `actual` matches `expected`; otherwise a description of the first difference. */
function mismatch(expected: Tensor, actual: ort.Tensor): string | undefined {
  if (actual.type !== expected.dtype) return `type ${actual.type}, expected ${expected.dtype}`;
  if (actual.dims.join(',') !== expected.dims.join(',')) return `dims [${actual.dims}], expected [${expected.dims}]`;
  const e = values(expected.dtype, expected.data);
  const a = values(actual.type, actual.data as ArrayLike<number | bigint | boolean>);
  if (a.length !== e.length) return `${a.length} values, expected ${e.length}`;
  const isFloat = FLOAT_TYPES.has(expected.dtype);
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    const y = e[i];
    if (isFloat) {
      const xn = x as number;
      const yn = y as number;
      if (Number.isNaN(yn) ? Number.isNaN(xn) : xn === yn || Math.abs(xn - yn) <= 1e-4 * (1 + Math.abs(yn))) continue;
    } else if (x === y) {
      continue;
    }
    return `value ${i}: ${x}, expected ${y}`;
  }
  return undefined;
}

/** An onnxruntime result as a Tensor, to compare another result against it. */
function asExpected(t: ort.Tensor): Tensor {
  return { dtype: t.type as Tensor['dtype'], dims: [...t.dims], data: t.data as Tensor['data'] };
}

interface CaseOutcome {
  status: 'ran' | 'skipped';
  reason?: string;
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3 };

async function runCase(dir: string, model: ModelProto, originalBytes: Uint8Array): Promise<CaseOutcome> {
  const g = model.graph as GraphProto;
  const initNames = new Set(g.initializer.map((t) => t.name ?? ''));
  const inputs = g.input.filter((i) => !initNames.has(i.name ?? ''));
  for (const v of [...inputs, ...g.output]) {
    const why = unsupportedType(v.type);
    if (why) return { status: 'skipped', reason: why };
  }
  const ds = join(dir, 'test_data_set_0');
  const read = (f: string): Tensor => tensorFromProto(onnx.TensorProto.decode(readFileSync(join(ds, f))));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [i, input] of inputs.entries()) {
    const file = `input_${i}.pb`;
    if (!existsSync(join(ds, file))) return { status: 'skipped', reason: `no ${file}` };
    const t = read(file);
    if (!ORT_TYPES.has(t.dtype)) return { status: 'skipped', reason: `${t.dtype} input` };
    feeds[input.name!] = toOrt(t);
  }
  const expected = g.output.map((_, i) => read(`output_${i}.pb`));

  // onnxruntime must be able to run the case as shipped, or it says nothing about our round trip.
  let original: ort.InferenceSession;
  try {
    original = await ort.InferenceSession.create(originalBytes, SESSION_OPTIONS);
  } catch (e) {
    return { status: 'skipped', reason: `onnxruntime cannot load the original: ${(e as Error).message.split('\n')[0]}` };
  }
  let reference: ort.InferenceSession.ReturnType;
  try {
    reference = await original.run(feeds);
  } catch (e) {
    return { status: 'skipped', reason: `onnxruntime cannot run the original: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    await original.release();
  }

  const written = saveOnnx(loadOnnx(join(dir, 'model.onnx')));
  const session = await ort.InferenceSession.create(written, SESSION_OPTIONS);
  let results: ort.InferenceSession.ReturnType;
  try {
    results = await session.run(feeds);
  } finally {
    await session.release();
  }
  let disagrees: string | undefined;
  g.output.forEach((o, i) => {
    const r = results[o.name!];
    assert.ok(r, `onnxruntime returned no '${o.name}'`);
    const why = mismatch(expected[i], r);
    if (why === undefined) return;
    // onnxruntime itself may differ from the reference implementation of onnx 1.12 (e.g. Resize
    // downsampling with align_corners, whose reference was corrected in onnx 1.13): then the round
    // trip must reproduce what onnxruntime computes from the original file.
    const ref = reference[o.name!];
    const refWhy = ref && mismatch(expected[i], ref);
    assert.ok(refWhy, `output '${o.name}': ${why}`);
    assert.equal(mismatch(asExpected(ref), r), undefined, `output '${o.name}' differs from the original's: ${why}`);
    disagrees ??= `onnxruntime disagrees with the reference on the original too (${o.name}: ${refWhy})`;
  });
  if (disagrees) return { status: 'skipped', reason: disagrees };
  return { status: 'ran' };
}

describe('IR round trip on ONNX operator test cases (libonnx-testdata)', () => {
  const available = existsSync(NODE_DIR);
  test('loadOnnx → saveOnnx → onnxruntime reproduces the expected outputs', { skip: !available && 'libonnx-testdata is not installed' }, async () => {
    const perOp = new Map<string, { ran: number; skipped: number }>();
    const skipped: string[] = [];
    const failed: string[] = [];
    let ran = 0;
    for (const name of readdirSync(NODE_DIR).sort()) {
      const dir = join(NODE_DIR, name);
      const file = join(dir, 'model.onnx');
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      const model = onnx.ModelProto.decode(bytes);
      const op = caseOp(name, model);
      if (!op || !OPS.has(op)) continue;
      const counts = perOp.get(op) ?? { ran: 0, skipped: 0 };
      perOp.set(op, counts);
      let outcome: CaseOutcome;
      if (TRAINING.test(name)) {
        outcome = { status: 'skipped', reason: 'training mode' };
      } else {
        try {
          outcome = await runCase(dir, model, bytes);
        } catch (e) {
          failed.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
          continue;
        }
      }
      if (outcome.status === 'ran') {
        counts.ran++;
        ran++;
      } else {
        counts.skipped++;
        skipped.push(`${name} (${outcome.reason})`);
      }
    }
    const table = [...perOp.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, c]) => `${op} ${c.ran}/${c.skipped}`)
      .join(', ');
    console.log(`# round trip on libonnx-testdata node cases: ${ran} ran, ${skipped.length} skipped, ${failed.length} failed`);
    console.log(`# per op (ran/skipped): ${table}`);
    if (skipped.length) console.log(`# skipped:\n#   ${skipped.join('\n#   ')}`);
    assert.deepEqual(failed, [], `cases that failed after the round trip:\n${failed.join('\n')}`);
    assert.ok(ran >= 150, `only ${ran} cases ran`);
  });
});

describe('int64 values beyond 2^53', () => {
  // Neither is hit by a libonnx-testdata case, but INT64_MAX is what older exporters put in Slice's
  // `ends` attribute and int64_data constants. Through a plain JS number, 9223372036854775807 would
  // become 2^63, which protobufjs writes (and BigInt64Array stores) as INT64_MIN.
  test('INT64_MAX survives an ints attribute and an int64_data tensor', () => {
    const max = 9223372036854775807n;
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 9 }],
      graph: {
        name: 'g',
        node: [
          { opType: 'Slice', input: ['x'], output: ['y'], attribute: [{ name: 'ends', type: 7, ints: [max.toString() as unknown as number] }, { name: 'starts', type: 7, ints: [1] }] },
          { opType: 'Constant', output: ['c'], attribute: [{ name: 'value', type: 4, t: { dataType: 7, dims: [1], int64Data: [max.toString() as unknown as number] } }] },
        ],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }, { name: 'c', type: { tensorType: { elemType: 7 } } }],
      },
    });
    const back = loadOnnx(saveOnnx(loadOnnx(onnx.ModelProto.encode(model).finish())));
    const ends = back.nodes[0].attrs['ends'];
    assert.ok(ends.kind === 'ints' && BigInt(ends.value[0]) > 0n, 'Slice ends stays positive');
    const c = back.nodes[1].attrs['value'];
    assert.ok(c.kind === 'tensor' && (c.value.data as BigInt64Array)[0] === max, 'int64_data constant keeps INT64_MAX');
  });
});
