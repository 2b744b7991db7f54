/**
 * Score-CAM's shared masks: channels whose scaled masks coincide (constant channels, and
 * positive affine images of an earlier channel) are evaluated once, and the weights equal
 * those of one masked input per channel computed by hand.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../testing.js';
import { affineChannelsOnnx } from './testing.js';
import { MaskedInputs, scoreCam, shareMasks } from './scoreCam.js';
import { minMaxInPlace, resizeBilinear } from './resize.js';
import { Rng } from '../../random.js';

test('shareMasks: equal scaled maps share a pass, per example; constant maps use the zero input', () => {
  // 2 examples x 4 channels of 2 x 2 maps
  const acts = Float32Array.from([
    0, 0, 3, 0, /* one-hot */ 0, 0, 0.5, 0, /* the same one-hot, lower */ 1, 1, 1, 1, /* constant */ 0, 1, 2, 3,
    0, 0, 7, 0, /* one-hot, example 1: not shared with example 0 */ 2, 4, 6, 8, /* = 2 (0, 1, 2, 3) + 2 */ 0, 1, 2, 3, -1, -1, -1, -1,
  ]);
  const { source, sharing } = shareMasks(acts, 2, 4, 4);
  assert.deepEqual([...source], [0, 0, -1, 3, 4, 5, 5, -1]);
  assert.deepEqual(sharing, { constant: 2, duplicate: 2, passes: 5 });
  // a near-duplicate (not a positive affine image) is evaluated
  const near = shareMasks(Float32Array.from([0, 1, 2, 3, 0, 1, 2, 3.001]), 1, 2, 4);
  assert.deepEqual([...near.source], [0, 1]);
});

test('Score-CAM with shared masks equals one masked input per channel', async () => {
  const m = await load(affineChannelsOnnx(), { batchSize: 16 });
  try {
    // example 0 positive (channel 1 = 2 x + 1 shares channel 0's mask, channel 2 is zero); example 1 of both signs
    const x = Float32Array.from({ length: 32 }, (_, i) => (i < 16 ? 0.1 + 0.05 * ((i * 7) % 11) : Math.sin(i * 1.7)));
    const s = await scoreCam(m, x, { target: [0, 0] });
    assert.deepEqual(s.params['sharing'], { constant: 1, duplicate: 1, passes: 5 });
    assert.equal(s.timings.forwardExamples, 2 + 5);
    const feats = (await m.run(x, { outputs: ['features'] }))['features'];
    for (let e = 0; e < 2; e++) {
      const xe = x.subarray(e * 16, (e + 1) * 16);
      const scores: number[] = [];
      for (let c = 0; c < 3; c++) {
        const a = feats.subarray((e * 3 + c) * 16, (e * 3 + c + 1) * 16);
        const lo = Math.min(...a);
        const hi = Math.max(...a);
        const masked = xe.map((v, p) => v * ((a[p] - lo) / (hi - lo + 1e-8)));
        scores.push((await m.run(masked, { outputs: ['logits'] }))['logits'][0]);
      }
      const z = scores.reduce((t, v) => t + Math.exp(v), 0);
      for (let c = 0; c < 3; c++) {
        const expected = Math.exp(scores[c]) / z;
        assert.ok(Math.abs(s.channelWeights![e * 3 + c] - expected) < 1e-6, `example ${e} channel ${c}: ${s.channelWeights![e * 3 + c]} vs ${expected}`);
      }
    }
  } finally {
    await m.dispose();
  }
});

test('MaskedInputs: the masked inputs of resizeBilinear (align_corners) + minMaxInPlace (1e-8) + the product, bit for bit, NCHW and NHWC', () => {
  const rng = new Rng(11);
  const [h, w, H, W, depth] = [7, 5, 37, 23, 3];
  for (const nhwc of [false, true]) {
    const masked = new MaskedInputs(h, w, H, W, depth, nhwc);
    for (let k = 0; k < 4; k++) {
      const map = rng.fillUniform(new Float32Array(h * w), -2, 5);
      const x = rng.fillUniform(new Float32Array(depth * H * W), -1, 1);
      const mask = resizeBilinear(map, 1, h, w, H, W, true);
      minMaxInPlace(mask, 1, 1e-8);
      const want = new Float32Array(x.length);
      for (let p = 0; p < H * W; p++) for (let c = 0; c < depth; c++) {
        const i = nhwc ? p * depth + c : c * H * W + p;
        want[i] = x[i] * mask[p];
      }
      const got = new Float32Array(x.length).fill(NaN);
      masked.write(got, x, map);
      assert.deepEqual(got, want, `nhwc ${nhwc}, map ${k}`);
    }
  }
});
