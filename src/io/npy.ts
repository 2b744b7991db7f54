/**
 * NumPy .npy files (format versions 1-3), the exchange format of attributions and fixtures.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { SaliencyError } from '../errors.js';

export interface NpyArray {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

/** A .npy file that cannot be read, or does not hold what was asked of it. */
export class NpyError extends SaliencyError {
  override name = 'NpyError';
  constructor(message: string) {
    super('bad-input', message);
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, (buf: ArrayBuffer, offset: number, n: number) => NpyArray['data']> = {
  '<f4': (b, o, n) => new Float32Array(b, o, n),
  '<f8': (b, o, n) => new Float64Array(b, o, n),
  '<i4': (b, o, n) => new Int32Array(b, o, n),
  '<i8': (b, o, n) => new BigInt64Array(b, o, n),
  '|u1': (b, o, n) => new Uint8Array(b, o, n),
  '|b1': (b, o, n) => new Uint8Array(b, o, n),
};

/** numpy's names of the supported dtypes. */
const DTYPE_NAMES: Record<string, string> = { '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64', '|u1': 'uint8', '|b1': 'bool' };
const ITEM_BYTES: Record<string, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1, '|b1': 1 };

/** numpy's name of an array's dtype ('float32', 'int64' ...). */
export function dtypeName(array: NpyArray): string {
  const d = array.data;
  return d instanceof Float32Array ? 'float32' : d instanceof Float64Array ? 'float64' : d instanceof Int32Array ? 'int32' : d instanceof BigInt64Array ? 'int64' : 'uint8';
}

export function parseNpy(bytes: Uint8Array, label = '(bytes)'): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((m, i) => bytes[i] === m)) throw new NpyError(`${label} is not a .npy file (it does not start as numpy.save writes one)`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes[8] | (bytes[9] << 8) : new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] === 'True';
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new NpyError(`${label}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  if (fortran) throw new NpyError(`${label}: Fortran-ordered arrays are not supported; save numpy.ascontiguousarray(x)`);
  const make = DESCR[descr];
  if (!make) throw new NpyError(`${label}: unsupported dtype ${descr} (supported: ${Object.values(DTYPE_NAMES).join(', ')}, little-endian); save x.astype('float32')`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new NpyError(`${label}: unreadable shape (${shapeText}) in its header`);
  const need = n * ITEM_BYTES[descr];
  if (bytes.length - dataStart < need) {
    throw new NpyError(`${label} is truncated: its header says ${DTYPE_NAMES[descr]} [${shape.join(', ')}] (${need} bytes) but it holds ${Math.max(0, bytes.length - dataStart)} bytes of data`);
  }
  // copy into an aligned buffer (Uint8Array's slice: a Node Buffer's slice is a view, not a copy)
  const copy = Uint8Array.prototype.slice.call(bytes, dataStart, bytes.length).buffer;
  const data = make(copy, 0, n);
  return { shape, data };
}

export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NpyError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}`);
  }
  return parseNpy(bytes, path);
}

/**
 * A .npy of model inputs as a float32 batch: its shape must be [n, ...inputShape] (or one
 * example, inputShape itself), its dtype float, its values finite and n > 0. Anything else is
 * an error naming the shape expected: a [n, 224, 224, 3] file for a [3, 224, 224] model has
 * the right number of values but would be silently scrambled if it were reinterpreted.
 */
export function modelInputsFromNpy(array: NpyArray, inputShape: readonly number[], label: string): { batch: Float32Array; shape: number[]; count: number } {
  if (!(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
    throw new NpyError(`${label} holds ${dtypeName(array)} values; model inputs are float32 (or float64): save x.astype('float32')`);
  }
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const single = same(array.shape, inputShape);
  if (!single && !(array.shape.length === inputShape.length + 1 && same(array.shape.slice(1), inputShape))) {
    throw new NpyError(`${label} has shape [${array.shape.join(', ')}]; the model takes [n, ${inputShape.join(', ')}] (or one example, [${inputShape.join(', ')}])`);
  }
  const count = single ? 1 : array.shape[0];
  if (count === 0) throw new NpyError(`${label} holds no examples (shape [${array.shape.join(', ')}])`);
  const data = array.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const per = data.length / count;
      throw new NpyError(`${label} holds a non-finite value (${data[i]}) in example ${Math.floor(i / per)}; replace NaN and infinities before explaining`);
    }
  }
  const batch = data instanceof Float32Array ? data : Float32Array.from(data);
  return { batch, shape: [...array.shape], count };
}

export function encodeNpy(array: NpyArray): Uint8Array {
  const descr =
    array.data instanceof Float32Array ? '<f4'
    : array.data instanceof Float64Array ? '<f8'
    : array.data instanceof Int32Array ? '<i4'
    : array.data instanceof BigInt64Array ? '<i8'
    : '|u1';
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + array.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), 10 + header.length);
  return out;
}

/** Write atomically (temp file + rename) so a failure never leaves a half-written file. */
export function writeNpy(path: string, array: NpyArray): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeNpy(array));
  renameSync(tmp, path);
}
