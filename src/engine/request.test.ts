/** checkRequest's finite-value test: every non-finite value is caught and located, wherever it sits. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { checkRequest } from './request.js';

test('a NaN or an infinity anywhere in the batch is reported with its index; huge finite values pass', () => {
  const shape = [3, 7]; // 21 values per example, 63 in all: the last 7 outside the blocks of 8
  const ask = { outputs: ['logits'] };
  const x = Float32Array.from({ length: 63 }, (_, i) => Math.sin(i) * 3e38);
  assert.equal(checkRequest(x, shape, [2], ask), 3);
  for (const [at, v] of [[0, NaN], [13, Infinity], [58, -Infinity], [62, NaN]] as const) {
    const bad = x.slice();
    bad[at] = v;
    assert.throws(() => checkRequest(bad, shape, [2], ask), new RegExp(`non-finite value \\(${v}\\) at index ${at}`));
    assert.equal(checkRequest(bad, shape, [2], ask, { finite: false }), 3);
  }
});
