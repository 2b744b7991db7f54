/**
 * NumPy .npy files (format versions 1-3), the exchange format of attributions and fixtures.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';

export interface NpyArray {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
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

export function parseNpy(bytes: Uint8Array, label = '(bytes)'): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((m, i) => bytes[i] === m)) throw new Error(`${label} is not a .npy file (bad magic)`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes[8] | (bytes[9] << 8) : new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] === 'True';
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${label}: unreadable .npy header ${header}`);
  if (fortran) throw new Error(`${label}: Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray`);
  const make = DESCR[descr];
  if (!make) throw new Error(`${label}: unsupported dtype ${descr} (supported: ${Object.keys(DESCR).join(', ')})`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  // copy into an aligned buffer (Uint8Array's slice: a Node Buffer's slice is a view, not a copy)
  const copy = Uint8Array.prototype.slice.call(bytes, dataStart, bytes.length).buffer;
  const data = make(copy, 0, n);
  return { shape, data };
}

export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
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
