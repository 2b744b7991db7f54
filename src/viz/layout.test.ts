import test from 'node:test';
import assert from 'node:assert/strict';
import { exampleOf, imageDims, reduceChannels, toCHW, toHWC } from './layout.js';
import { resizeMap } from './resample.js';

test('layouts are inferred as the baselines infer them, and can be forced', () => {
  assert.deepEqual(imageDims([3, 224, 224]), { channels: 3, height: 224, width: 224, layout: 'NCHW' });
  assert.deepEqual(imageDims([224, 224, 3]), { channels: 3, height: 224, width: 224, layout: 'NHWC' });
  assert.deepEqual(imageDims([28, 28]), { channels: 1, height: 28, width: 28, layout: 'flat' });
  assert.deepEqual(imageDims([4, 5, 4], 'NHWC'), { channels: 4, height: 4, width: 5, layout: 'NHWC' });
  assert.throws(() => imageDims([784]), /per-example shape/);
});

test('NCHW <-> NHWC round trip and channel reductions', () => {
  const chw = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i - 10);
  const dims = imageDims([2, 3, 4]);
  const hwc = toHWC(chw, dims);
  assert.deepEqual(Array.from(toCHW(hwc, 2, 3, 4)), Array.from(chw));
  const sum = reduceChannels(chw, dims, 'sum');
  const sumHwc = reduceChannels(hwc, { ...dims, layout: 'NHWC' }, 'sum');
  assert.deepEqual(Array.from(sum.data), Array.from(sumHwc.data));
  assert.equal(sum.data[0], -10 + 2);
  assert.equal(reduceChannels(chw, dims, 'sumAbs').data[0], 10 + 2);
  assert.equal(reduceChannels(chw, dims, 'maxAbs').data[0], 10);
  assert.ok(Math.abs(reduceChannels(chw, dims, 'l2').data[0] - Math.sqrt(104)) < 1e-6);
});

test('exampleOf slices one example of a batch', () => {
  const batch = Float32Array.from({ length: 12 }, (_, i) => i);
  assert.deepEqual(Array.from(exampleOf(batch, [3, 2, 2], 1)), [4, 5, 6, 7]);
  assert.throws(() => exampleOf(batch, [3, 2, 2], 3), /out of range/);
});

test('bilinear resize: constant stays constant, half-pixel centres as PyTorch', () => {
  const c = resizeMap({ width: 2, height: 2, data: new Float32Array(4).fill(3) }, 5, 7);
  assert.ok(c.data.every((v) => v === 3));
  // F.interpolate(torch.tensor([[[[0., 1.]]]]), size=(1, 4), mode='bilinear', align_corners=False) = [0, 0.25, 0.75, 1]
  assert.deepEqual(Array.from(resizeMap({ width: 2, height: 1, data: Float32Array.from([0, 1]) }, 4, 1).data), [0, 0.25, 0.75, 1]);
});
