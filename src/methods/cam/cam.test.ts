/**
 * The defining properties of the CAM family on analytic models (testing.ts), layer
 * resolution, batched = unbatched, and no session growth over repeated calls.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadOnnxModel, openSessionCount, type OnnxModel } from '../../engine/onnx.js';
import { load, maxAbsDiff, pseudoRandom, relativeL2, smallCnnOnnx } from '../testing.js';
import { gapHeadOnnx, HEAD, oneChannelOnnx, reluBiasNetOnnx, tokenOnnx, TOKEN_HEAD } from './testing.js';
import { weightedSum, type CamAttribution, type LayerValues } from './pipeline.js';
import { camLayers, resolveCamLayer } from './layers.js';
import { cam } from './cam.js';
import { gradCam } from './gradCam.js';
import { hiResCam } from './hiResCam.js';
import { layerCam } from './layerCam.js';
import { ablationCam } from './ablationCam.js';
import { scoreCam } from './scoreCam.js';
import { fullGrad } from './fullGrad.js';
import { eigenCam } from './eigenCam.js';
import { gradCamPlusPlus } from './gradCamPlusPlus.js';
import { xGradCam } from './xGradCam.js';
import { layerGradientXActivation } from './layerGradientXActivation.js';
import { layerIntegratedGradients } from './layerIntegratedGradients.js';

const X = pseudoRandom(3 * 3 * 36, 21, -1, 1); // 3 inputs [3, 6, 6]
const TARGETS = [0, 3, 4];

async function withModel(bytes: Uint8Array, body: (m: OnnxModel) => Promise<void>, batchSize = 16): Promise<void> {
  const model = await load(bytes, { batchSize });
  try {
    await body(model);
  } finally {
    await model.dispose();
  }
}

test('layers: auto is the last spatial map, -k counts spatial layers, errors name the candidates', async () => {
  await withModel(gapHeadOnnx(), async (m) => {
    assert.deepEqual(camLayers(m).map((l) => l.name), ['conv', 'features']);
    assert.equal(resolveCamLayer(m, 'auto').name, 'features');
    assert.equal(resolveCamLayer(m, -1).name, 'features');
    assert.equal(resolveCamLayer(m, '-2').name, 'conv');
    assert.equal(resolveCamLayer(m, 'conv').name, 'conv');
    assert.throws(() => resolveCamLayer(m, -3), /2 spatial layers.*features \[4, 6, 6\]/);
    assert.throws(() => resolveCamLayer(m, 'gap'), /not a spatial map.*features/);
    assert.throws(() => resolveCamLayer(m, 'nope'), /no layer named 'nope'.*conv \[4, 6, 6\]/);
  });
});

test('Grad-CAM equals CAM / hw on a GAP + linear head; HiResCAM equals Grad-CAM; LayerCAM is Grad-CAM with the positive weights', async () => {
  await withModel(gapHeadOnnx(), async (m) => {
    const g = await gradCam(m, X, { target: TARGETS });
    const c = await cam(m, X, { target: TARGETS });
    assert.deepEqual(g.shape, [3, 6, 6]);
    assert.deepEqual(g.layerShape, [3, 6, 6]);
    for (let e = 0; e < 3; e++) for (let ch = 0; ch < 4; ch++) {
      assert.ok(Math.abs(c.channelWeights![e * 4 + ch] - HEAD[TARGETS[e] * 4 + ch]) < 1e-6);
      assert.ok(Math.abs(g.channelWeights![e * 4 + ch] - HEAD[TARGETS[e] * 4 + ch] / 36) < 1e-7);
    }
    assert.ok(relativeL2(g.layerMap.map((v) => v * 36), c.layerMap) < 1e-6);
    assert.ok(relativeL2((await hiResCam(m, X, { target: TARGETS })).layerMap, g.layerMap) < 1e-6);
    const lc = await layerCam(m, X, { target: TARGETS });
    // LayerCAM = sum_c relu(w_c) A_c with w Grad-CAM's weights (times hw: the gradient itself)
    const pos = g.channelWeights!.map((w) => Math.max(w, 0));
    const acts = (await m.run(X, { outputs: ['features'] }))['features'];
    const expected = weightedSum({ layer: resolveCamLayer(m), n: 3, acts } as LayerValues, pos);
    assert.ok(relativeL2(lc.layerMap, expected) < 1e-6);
    assert.ok(g.channelWeights!.some((w) => w < 0), 'the check needs a negative weight');
  });
});

test('pipeline options: relu, upsample none / nearest / bilinear, min-max normalisation', async () => {
  await withModel(smallCnnOnnx(), async (m) => {
    const x = pseudoRandom(2 * 3 * 64, 31, -1, 1);
    const raw = await gradCam(m, x, { target: [1, 2], upsample: 'none' });
    assert.deepEqual(raw.shape, [2, 4, 4]);
    assert.deepEqual([...raw.values], [...raw.layerMap]);
    assert.ok(raw.layerMap.some((v) => v < 0), 'signed map');
    const relu = await gradCam(m, x, { target: [1, 2], upsample: 'none', relu: true });
    assert.deepEqual([...relu.values], [...raw.layerMap].map((v) => Math.max(v, 0)));
    const near = await gradCam(m, x, { target: [1, 2], upsample: 'nearest' });
    assert.deepEqual(near.shape, [2, 8, 8]);
    assert.equal(near.values[9], raw.layerMap[0]); // pixel (1, 1) comes from layer (0, 0)
    const norm = await gradCam(m, x, { target: [1, 2], normalize: 'minmax' });
    for (let e = 0; e < 2; e++) {
      const v = norm.values.subarray(e * 64, (e + 1) * 64);
      assert.equal(Math.min(...v), 0);
      assert.ok(Math.abs(Math.max(...v) - 1) < 1e-4, `max ${Math.max(...v)}`); // r / (r + 1e-7)
    }
  });
});

test('CAM needs a GAP + linear head and says what is missing', async () => {
  await withModel(smallCnnOnnx(), async (m) => {
    await assert.rejects(cam(m, pseudoRandom(192, 3), { target: 0 }), /CAM needs a conv -> global average pool/);
  });
});

test('Ablation-CAM is exact on a linear head: w_c = W[k, c] mean(A_c) / y', async () => {
  await withModel(gapHeadOnnx(), async (m) => {
    const a = await ablationCam(m, X, { target: TARGETS });
    const feats = (await m.run(X, { outputs: ['features', 'logits'] }));
    for (let e = 0; e < 3; e++) {
      const y = feats['logits'][e * 5 + TARGETS[e]];
      for (let c = 0; c < 4; c++) {
        let mean = 0;
        for (let p = 0; p < 36; p++) mean += feats['features'][(e * 4 + c) * 36 + p] / 36;
        const expected = (HEAD[TARGETS[e] * 4 + c] * mean) / y;
        assert.ok(Math.abs(a.channelWeights![e * 4 + c] - expected) < 1e-5 * Math.max(1, Math.abs(expected)), `example ${e} channel ${c}`);
      }
    }
  });
});

test('tap overrides: the head sees the given activations', async () => {
  await withModel(gapHeadOnnx(), async (m) => {
    const v = pseudoRandom(3 * 4 * 36, 41, 0, 2);
    const r = await m.run(X, { outputs: ['logits'], overrides: { features: v } });
    for (let e = 0; e < 3; e++) for (let k = 0; k < 5; k++) {
      let s = [0.3, -0.2, 0.1, 0, 0.5][k];
      for (let c = 0; c < 4; c++) for (let p = 0; p < 36; p++) s += (HEAD[k * 4 + c] * v[(e * 4 + c) * 36 + p]) / 36;
      assert.ok(Math.abs(r['logits'][e * 5 + k] - s) < 1e-5);
    }
  });
});

test('Score-CAM puts the weight on the one channel the score depends on', async () => {
  await withModel(oneChannelOnnx(), async (m) => {
    // left half positive, right half negative: channel 0 = relu(x) lights the left
    const x = Float32Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0.5 + 0.1 * (i % 3) : -0.7));
    const s = await scoreCam(m, x, { target: 0 });
    assert.ok(s.channelWeights![0] > 0.999, `weights ${s.channelWeights}`);
  });
});

test('Score-CAM: a dead (constant) channel scores the all-zero input, evaluated once', async () => {
  await withModel(oneChannelOnnx(), async (m) => {
    const x = pseudoRandom(2 * 16, 71, 0.1, 1); // positive: channel 1 = relu(-x) is all zero
    const s = await scoreCam(m, x, { target: 0 });
    assert.equal(s.timings.forwardExamples, 2 + 1 + 2); // activations, one zero input, one live channel per input
    for (let e = 0; e < 2; e++) {
      const xe = x.subarray(e * 16, (e + 1) * 16);
      const lo = Math.min(...xe);
      const hi = Math.max(...xe);
      const masked = xe.map((v) => v * ((v - lo) / (hi - lo + 1e-8)));
      const [live, dead] = [(await m.run(masked, { outputs: ['logits'] }))['logits'][0], 0];
      const w0 = 1 / (1 + Math.exp(dead - live));
      assert.ok(Math.abs(s.channelWeights![e * 2] - w0) < 1e-6, `example ${e}: ${s.channelWeights![e * 2]} vs ${w0}`);
    }
  });
});

test('FullGrad completeness: f(x) = sum(x grad) + sum of the bias terms (Conv, BatchNormalization, Gemm), to float32 rounding', async () => {
  await withModel(reluBiasNetOnnx(), async (m) => {
    const x = pseudoRandom(4 * 72, 51, -1, 1);
    const r = await fullGrad(m, x, { target: [0, 1, 2, 1], components: true });
    assert.equal(r.components!.biases.length, 4); // conv, BN, conv, gemm
    for (let e = 0; e < 4; e++) {
      const f = r.completeness.output[e];
      assert.ok(Math.abs(r.delta![e]) < 1e-6 * Math.max(1, Math.abs(f)), `example ${e}: delta ${r.delta![e]} for f ${f}`);
      assert.ok(Math.abs(r.completeness.biases[e]) > 1e-3, 'biases matter here');
    }
    assert.deepEqual(r.shape, [4, 6, 6]);
    assert.ok(r.values.every((v) => v >= 0));
  });
});

test('FullGrad completeness with the input normalisation in the graph: its Sub constant is a bias term too', async () => {
  const m = await loadOnnxModel(new URL('../../../models/fashion-mnist/model.onnx', import.meta.url).pathname);
  try {
    const sub = m.inspect().biases!.find((b) => b.node.includes('Sub'));
    assert.ok(sub, 'the Sub of the normalisation is listed among the biases');
    const x = pseudoRandom(2 * 784, 53, 0, 1);
    const r = await fullGrad(m, x, { target: [3, 8] });
    for (let e = 0; e < 2; e++) {
      const f = r.completeness.output[e];
      assert.ok(Math.abs(r.delta![e]) < 1e-5 * Math.max(1, Math.abs(f)), `example ${e}: delta ${r.delta![e]} for f ${f}`);
    }
  } finally {
    await m.dispose();
  }
});

test('token layers [1 + hw, C] become [C, h, w] maps (class token dropped)', async () => {
  await withModel(tokenOnnx(), async (m) => {
    const x = pseudoRandom(2 * 15, 61, -1, 1);
    const layer = resolveCamLayer(m, 'auto');
    assert.deepEqual([layer.layout, layer.channels, layer.height, layer.width, layer.skipTokens], ['tokens', 4, 2, 2, 1]);
    const g = await gradCam(m, x, { target: [0, 1], upsample: 'none' });
    const t = (await m.run(x, { outputs: ['tokens'] }))['tokens'];
    for (let e = 0; e < 2; e++) for (let p = 0; p < 4; p++) {
      // the gradient at every token is TOKEN_HEAD[c, k] / 5 (ReduceMean over 5 tokens)
      let s = 0;
      for (let c = 0; c < 4; c++) s += (TOKEN_HEAD[c * 2 + e] / 5) * t[e * 20 + (1 + p) * 4 + c];
      assert.ok(Math.abs(g.layerMap[e * 4 + p] - s) < 1e-6);
    }
  });
});

test('transformers: auto is the last attention input of a ViT (class token dropped) and a Swin stage in [h, w, C]; Grad-CAM by hand from the tokens', async () => {
  const cases = [
    { file: 'tiny_vit_tokens', layer: '/blocks/blocks.1/norm1/LayerNormalization_output_0', layout: 'tokens', skip: 1 },
    { file: 'tiny_swin', layer: '/norm/LayerNormalization_output_0', layout: 'NHWC', skip: 0 },
  ];
  for (const c of cases) {
    const m = await loadOnnxModel(new URL(`../../../fixtures/arch/${c.file}.onnx`, import.meta.url).pathname, { batchSize: 2 });
    try {
      const layer = resolveCamLayer(m, 'auto');
      assert.deepEqual([layer.name, layer.layout, layer.height, layer.width, layer.skipTokens], [c.layer, c.layout, 4, 4, c.skip]);
      const x = pseudoRandom(3 * 3 * 32 * 32, 71, -1, 1);
      const g = await gradCam(m, x, { target: [1, 4, 7], upsample: 'none' });
      const one = await gradCam(m, x.subarray(3072, 6144), { target: 4, upsample: 'none' });
      assert.ok(maxAbsDiff(one.layerMap, g.layerMap.subarray(16, 32)) < 1e-6, 'batched equals unbatched');
      // by hand, channels last: map[p] = sum_c mean_q(g[q, c]) A[p, c] over the 16 patch tokens
      const C = layer.channels;
      const per = (16 + c.skip) * C;
      for (const [e, k] of [[0, 1], [1, 4], [2, 7]]) {
        const r = await m.run(x.subarray(e * 3072, (e + 1) * 3072), { outputs: [layer.name], gradients: { seed: Float32Array.from({ length: 10 }, (_, j) => (j === k ? 1 : 0)), wrt: [layer.name] } });
        const a = r[layer.name].subarray(c.skip * C, per);
        const grad = r[`grad:${layer.name}`].subarray(c.skip * C, per);
        const w = new Float64Array(C);
        for (let q = 0; q < 16; q++) for (let ch = 0; ch < C; ch++) w[ch] += grad[q * C + ch] / 16;
        const expected = Float32Array.from({ length: 16 }, (_, p) => w.reduce((s, wc, ch) => s + wc * a[p * C + ch], 0));
        assert.ok(relativeL2(g.layerMap.subarray(e * 16, (e + 1) * 16), expected) < 1e-5, `${c.file} example ${e}`);
        assert.ok(expected.some((v) => Math.abs(v) > 1e-6), 'the map is not zero at the patch tokens');
      }
    } finally {
      await m.dispose();
    }
  }
});

test('batched equals unbatched, and repeated calls keep the session count', async () => {
  const methods: Array<(m: OnnxModel, x: Float32Array) => Promise<CamAttribution | { values: Float32Array }>> = [
    (m, x) => gradCam(m, x, { target: TARGETS }),
    (m, x) => cam(m, x, { target: TARGETS }),
    (m, x) => hiResCam(m, x, { target: TARGETS }),
    (m, x) => layerCam(m, x, { target: TARGETS }),
    (m, x) => gradCamPlusPlus(m, x, { target: TARGETS }),
    (m, x) => xGradCam(m, x, { target: TARGETS }),
    (m, x) => eigenCam(m, x, { target: TARGETS }),
    (m, x) => scoreCam(m, x, { target: TARGETS }),
    (m, x) => ablationCam(m, x, { target: TARGETS }),
    (m, x) => fullGrad(m, x, { target: TARGETS }),
    (m, x) => layerGradientXActivation(m, x, { target: TARGETS }),
    (m, x) => layerIntegratedGradients(m, x, { target: TARGETS, steps: 7 }),
  ];
  const before = openSessionCount();
  const one = await load(gapHeadOnnx(), { batchSize: 1, maxSessions: 40 });
  const big = await load(gapHeadOnnx(), { batchSize: 16, maxSessions: 40 });
  try {
    for (const f of methods) {
      const a = await f(one, X);
      const b = await f(big, X);
      assert.ok(maxAbsDiff(a.values, b.values) < 1e-5 * Math.max(1, ...b.values.map(Math.abs)), `${f}`);
    }
    await gradCam(big, X.subarray(0, 108), { target: 1 }); // compiles the one-example session
    const settled = openSessionCount();
    for (let round = 0; round < 20; round++) for (const f of methods) await f(big, X);
    for (let i = 0; i < 1000; i++) await gradCam(big, X.subarray(0, 108), { target: 1 });
    assert.equal(openSessionCount(), settled, 'sessions grew over repeated calls');
  } finally {
    await one.dispose();
    await big.dispose();
  }
  assert.equal(openSessionCount(), before);
});
