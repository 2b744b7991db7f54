import test from 'node:test';
import assert from 'node:assert/strict';
import { encodeNpy, modelInputsFromNpy, parseNpy } from './npy.js';

test('npy round trip keeps shape, dtype and values', () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
  const back = parseNpy(encodeNpy({ shape: [2, 3, 4], data }));
  assert.deepEqual(back.shape, [2, 3, 4]);
  assert.ok(back.data instanceof Float32Array);
  assert.deepEqual(Array.from(back.data), Array.from(data));
});

test('npy header is padded to a multiple of 64 bytes as numpy writes it', () => {
  const bytes = encodeNpy({ shape: [5], data: new Float64Array(5) });
  const headerLen = bytes[8] | (bytes[9] << 8);
  assert.equal((10 + headerLen) % 64, 0);
  assert.equal(bytes[10 + headerLen - 1], 0x0a);
});

test('a file that is not npy is refused with a clear message', () => {
  assert.throws(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy'), /x\.npy is not a \.npy file/);
});

test('a truncated file says so (not "Invalid typed array length")', () => {
  const bytes = encodeNpy({ shape: [2, 3], data: new Float32Array(6) });
  assert.throws(() => parseNpy(bytes.subarray(0, bytes.length - 4), 'x.npy'), /x\.npy is truncated: its header says float32 \[2, 3\] \(24 bytes\) but it holds 20 bytes/);
});

test('model inputs: [n, ...shape] or one example, float, finite, not empty; anything else names the shape expected', () => {
  const shape = [3, 2, 2];
  const ok = modelInputsFromNpy({ shape: [2, 3, 2, 2], data: new Float32Array(24).fill(1) }, shape, 'x.npy');
  assert.equal(ok.count, 2);
  assert.equal(modelInputsFromNpy({ shape: [3, 2, 2], data: new Float64Array(12) }, shape, 'x.npy').count, 1);
  // channels last: the right number of values, the wrong shape
  assert.throws(() => modelInputsFromNpy({ shape: [2, 2, 2, 3], data: new Float32Array(24) }, shape, 'x.npy'), /x\.npy has shape \[2, 2, 2, 3\]; the model takes \[n, 3, 2, 2\]/);
  assert.throws(() => modelInputsFromNpy({ shape: [24], data: new Float32Array(24) }, shape, 'x.npy'), /has shape \[24\]/);
  assert.throws(() => modelInputsFromNpy({ shape: [1, 3, 2, 2], data: new BigInt64Array(12) }, shape, 'x.npy'), /holds int64 values; model inputs are float32 \(or float64\): save x\.astype\('float32'\)/);
  assert.throws(() => modelInputsFromNpy({ shape: [0, 3, 2, 2], data: new Float32Array(0) }, shape, 'x.npy'), /holds no examples/);
  const nan = new Float32Array(24);
  nan[13] = NaN;
  assert.throws(() => modelInputsFromNpy({ shape: [2, 3, 2, 2], data: nan }, shape, 'x.npy'), /non-finite value \(NaN\) in example 1/);
});
