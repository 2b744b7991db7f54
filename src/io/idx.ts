/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST and EMNIST), optionally gzipped:
 * a big-endian header (two zero bytes, a type code, the number of dimensions, one uint32
 * per dimension) followed by the values, row-major and big-endian.
 * Debian's dataset-fashion-mnist installs them under /usr/share/datasets/fashion-mnist/.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number; make: (n: number) => IdxArray['data']; read: (v: DataView, o: number) => number }> = {
  0x08: { name: 'uint8', bytes: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  0x09: { name: 'int8', bytes: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  0x0b: { name: 'int16', bytes: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o) },
  0x0c: { name: 'int32', bytes: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o) },
  0x0d: { name: 'float32', bytes: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o) },
  0x0e: { name: 'float64', bytes: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o) },
};

/** Parse IDX bytes (gzip is detected by its magic number). `label` names the source in errors. */
export function parseIdx(input: Uint8Array, label = '(bytes)'): IdxArray {
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${label}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${label} is not an IDX file (bad magic)`);
  const type = TYPES[bytes[2]];
  if (!type) throw new Error(`${label}: unknown IDX type code 0x${bytes[2].toString(16)}`);
  const ndim = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * ndim) throw new Error(`${label}: truncated IDX header`);
  const shape = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k));
  const n = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (bytes.length !== start + n * type.bytes) {
    throw new Error(`${label}: IDX ${type.name} [${shape.join(', ')}] needs ${start + n * type.bytes} bytes, the file has ${bytes.length}`);
  }
  if (type.bytes === 1) {
    const data = type.make(n) as Uint8Array | Int8Array;
    data.set(type.name === 'uint8' ? bytes.subarray(start) : new Int8Array(bytes.buffer, bytes.byteOffset + start, n));
    return { shape, data };
  }
  const data = type.make(n);
  for (let i = 0; i < n; i++) data[i] = type.read(view, start + i * type.bytes);
  return { shape, data };
}

export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read IDX file ${path}: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}

/** IDX encoding (big-endian), for fixtures and round trips. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const code = Number(Object.entries(TYPES).find(([, t]) => t.make(0).constructor === array.data.constructor)?.[0]);
  const type = TYPES[code];
  const n = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== n) throw new Error(`IDX data has ${array.data.length} values for shape [${array.shape.join(', ')}]`);
  const start = 4 + 4 * array.shape.length;
  const out = new Uint8Array(start + n * type.bytes);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.shape.length;
  array.shape.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  const write: Record<string, (o: number, v: number) => void> = {
    uint8: (o, v) => view.setUint8(o, v),
    int8: (o, v) => view.setInt8(o, v),
    int16: (o, v) => view.setInt16(o, v),
    int32: (o, v) => view.setInt32(o, v),
    float32: (o, v) => view.setFloat32(o, v),
    float64: (o, v) => view.setFloat64(o, v),
  };
  for (let i = 0; i < n; i++) write[type.name](start + i * type.bytes, array.data[i]);
  return out;
}
