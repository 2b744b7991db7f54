/**
 * Attributions serialise to JSON metadata + .npy values.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { encodeAttribution, sumPerExample, type Attribution } from './attribution.js';
import { parseNpy } from '../io/npy.js';

test('encodeAttribution: metadata JSON and a .npy of the values with the attribution\'s shape', () => {
  const a: Attribution = {
    values: Float32Array.of(1, 2, 3, 4, 5, 6),
    shape: [2, 3],
    method: 'integratedGradients',
    params: { steps: 50, method: 'gausslegendre' },
    target: 'logit 3',
    delta: Float32Array.of(0.5, -0.25),
    timings: { totalMs: 1, modelMs: 0.5, modelCalls: 1, forwardExamples: 4, backwardExamples: 100 },
  };
  const { json, npy } = encodeAttribution(a);
  const meta = JSON.parse(json);
  assert.equal(meta.method, 'integratedGradients');
  assert.deepEqual(meta.delta, [0.5, -0.25]);
  assert.deepEqual(meta.params, { steps: 50, method: 'gausslegendre' });
  const arr = parseNpy(npy);
  assert.deepEqual(arr.shape, [2, 3]);
  assert.deepEqual(Array.from(arr.data as Float32Array), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(sumPerExample(a.values, 2)), [6, 15]);
});
