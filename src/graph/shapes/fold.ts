/**
 * Tensor helpers for constant folding: numbers of a small tensor, typed tensors built
 * element by element, strides, rounding as ONNX does.
 */
import type { DType, Tensor, TypedData } from '../ir.js';
import { sizeOf, typedArrayFor } from '../ir.js';
import { MAX_CONSTANT_ELEMENTS } from './types.js';

// ---------------------------------------------------------------------------
// tensor helpers for folding

export type Scalar = number | bigint;
export type Writable = { [i: number]: Scalar; length: number };

export const NUMERIC: ReadonlySet<DType> = new Set<DType>([
  'float32',
  'float64',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
]);
export const FLOATS: ReadonlySet<DType> = new Set<DType>(['float32', 'float64', 'float16', 'bfloat16']);
export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);
export const UINT64_MAX = 2n ** 64n - 1n;

export function isFloat(d: DType): boolean {
  return FLOATS.has(d);
}

/** Plain numbers of a tensor whose dtype has a numeric reading (not float16/bfloat16/string). */
export function numbersOf(t: Tensor): number[] | undefined {
  if (!NUMERIC.has(t.dtype)) return undefined;
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  return out;
}

export function toBigInt(v: number, dtype: DType): bigint {
  if (Number.isNaN(v)) return 0n;
  const lo = dtype === 'uint64' ? 0n : INT64_MIN;
  const hi = dtype === 'uint64' ? UINT64_MAX : INT64_MAX;
  if (v === Infinity) return hi;
  if (v === -Infinity) return lo;
  const b = BigInt(Math.trunc(v));
  return b > hi ? hi : b < lo ? lo : b;
}

/** A tensor of `dtype` from plain numbers (ints truncate, int64 clamps, bool is != 0). */
export function makeTensor(dtype: DType, dims: number[], values: ArrayLike<number>): Tensor {
  const data = typedArrayFor(dtype, values.length);
  const w = data as unknown as Writable;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) w[i] = toBigInt(values[i], dtype);
  } else if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) w[i] = values[i] !== 0 && !Number.isNaN(values[i]) ? 1 : 0;
  } else if (isFloat(dtype)) {
    for (let i = 0; i < values.length; i++) w[i] = values[i];
  } else {
    for (let i = 0; i < values.length; i++) w[i] = Number.isFinite(values[i]) ? Math.trunc(values[i]) : 0;
  }
  return { dtype, dims: [...dims], data };
}

export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/**
 * Build a tensor of `dtype` and `dims` element by element: `get(idx)` returns the value at
 * the output multi-index (a value of the dtype's own kind: bigint for 64-bit ints).
 */
export function buildTensor(dtype: DType, dims: number[], get: (idx: number[]) => Scalar): Tensor | undefined {
  const n = sizeOf(dims);
  if (n > MAX_CONSTANT_ELEMENTS) return undefined;
  let data: TypedData;
  try {
    data = typedArrayFor(dtype, n);
  } catch {
    return undefined;
  }
  const w = data as unknown as Writable;
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    w[i] = get(idx);
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return { dtype, dims: [...dims], data };
}

/** Read the source element at a multi-index. */
export function at(t: Tensor, strides: number[], idx: number[]): Scalar {
  let off = 0;
  for (let k = 0; k < idx.length; k++) off += idx[k] * strides[k];
  return t.data[off];
}

export function withDims(t: Tensor, dims: number[]): Tensor {
  return { dtype: t.dtype, dims: [...dims], data: t.data };
}

/** Numpy-style rounding of x.5 to even (ONNX Round). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
