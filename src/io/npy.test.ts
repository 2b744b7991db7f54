import test from 'node:test';
import assert from 'node:assert/strict';
import { encodeNpy, parseNpy } from './npy.js';

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
