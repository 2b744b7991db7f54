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

test('inspect on a multi-output tfjs model (FaceRes): every output listed, the first explained by default, --output picks another and its target kinds', async () => {
  const model = 'node_modules/@vladmandic/human/models/faceres.json';
  const first = await inspect({ model });
  assert.deepEqual(first.outputs.map((o) => o.name), ['gender_pred/Sigmoid', 'global_pooling/Mean', 'age_pred/Softmax']);
  assert.deepEqual(first.outputs.map((o) => o.explained), [true, false, false]);
  const embedding = await inspect({ model, output: 'global_pooling/Mean' });
  assert.deepEqual(embedding.outputShape, [1024]);
  assert.ok(embedding.targets.some((t) => t.startsWith('similarity:')), embedding.targets.join('; '));
  const text = describeInspect(model, embedding);
  assert.match(text, /outputs {3}3: the one above is explained; another with --output NAME/);
  assert.match(text, /gender_pred\/Sigmoid/);
});
