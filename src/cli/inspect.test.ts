import test from 'node:test';
import assert from 'node:assert/strict';
import { describeInspect, inspect } from './inspect.js';

test('inspect lists the CAM candidate layers; the last spatial one is what --layer auto takes', async () => {
  const info = await inspect({ model: 'fixtures/torch/tiny_resnet.onnx' });
  assert.equal(info.camLayers.length, 14);
  assert.deepEqual(info.camLayers.at(-1), { name: '/layer2/layer2.0/relu_1/Relu_output_0', shape: [32, 4, 4], layout: 'NCHW' });
  assert.ok(!info.camLayers.some((l) => l.name === '/Flatten_output_0'), 'rank-1 taps are no CAM layers');
  assert.match(describeInspect('tiny_resnet.onnx', info), /auto = \/layer2\/layer2\.0\/relu_1\/Relu_output_0/);
});
