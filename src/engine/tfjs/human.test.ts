/**
 * Real models from @vladmandic/human through the tfjs engine: FaceRes (face embedding) with the
 * cosine-similarity target, CenterNet (COCO detector) with the detection targets on the
 * astronaut photo. CenterNet's input gradient takes about a minute on wasm (512 x 512): its
 * check against a directional finite difference runs with SALIENCY_SLOW=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadHumanModel, HUMAN_MODELS } from './human.js';
import { loadImage } from '../../io/image.js';
import type { ResolvedPreprocessing } from '../../io/preprocess.js';
import { boxCoordinate, cosineSimilarity, detectionScore, iou, selectDetection } from '../../targets/index.js';
import { integratedGradients } from '../../methods/integratedGradients.js';
import type { Model, Target } from '../model.js';

const IMAGES = new URL('../../../fixtures/images/', import.meta.url).pathname;

function photo(file: string, size: number, pixelRange: readonly [number, number]) {
  const prep: ResolvedPreprocessing = { height: size, width: size, resize: 'crop', cropFraction: 1, channels: 'RGB', layout: 'NHWC', pixelRange: [...pixelRange], mean: 0, std: 1, shape: [size, size, 3], assumed: [] };
  return loadImage(IMAGES + file, prep).then((i) => i.data);
}

/** d target along the gradient direction, by central differences with a step of norm `step`, against |g|. */
async function directional(model: Model, x: Float32Array, target: Target, step: number): Promise<{ fd: number; analytic: number }> {
  const r = await model.run(x, { gradients: { seed: target, wrt: ['input'] } });
  const g = r['grad:input'];
  const norm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
  const at = async (sign: number) => target.value((await model.run(x.map((v, i) => v + (sign * step * g[i]) / norm), { outputs: ['logits'] }))['logits'], 0);
  return { fd: ((await at(1)) - (await at(-1))) / (2 * step), analytic: norm };
}

test('FaceRes embedding: cosine similarity to another face matches finite differences; to itself, zero gradient and zero IG', async () => {
  const { pixelRange, height } = HUMAN_MODELS.faceres.input;
  const model = await loadHumanModel('faceres', { batchSize: 1 });
  try {
    assert.deepEqual(model.outputShape, [1024]);
    assert.deepEqual(model.inspect().opsWithoutGradient, []);
    const a = await photo('astronaut.jpg', height, pixelRange);
    const b = await photo('coffee.jpg', height, pixelRange);
    const embed = async (x: Float32Array) => (await model.run(x, { outputs: ['logits'] }))['logits'];
    const other = cosineSimilarity(await embed(b), 'cosine similarity to coffee.jpg');
    const d = await directional(model, a, other, 0.1);
    console.log(`FaceRes: d cos along the gradient ${d.fd.toExponential(3)} vs |g| ${d.analytic.toExponential(3)}`);
    assert.ok(d.analytic > 0 && Math.abs(d.fd - d.analytic) < 0.05 * d.analytic, JSON.stringify(d));
    const self = cosineSimilarity(await embed(a));
    const g = (await model.run(a, { gradients: { seed: self, wrt: ['input'] } }))['grad:input'];
    assert.ok(Math.sqrt(g.reduce((s, v) => s + v * v, 0)) < 1e-6 * d.analytic, 'the similarity is at its maximum');
    const ig = await integratedGradients(model, a, { target: self, baseline: a, steps: 2 });
    assert.ok(ig.values.every((v) => v === 0));
  } finally {
    await model.dispose();
  }
});

test('CenterNet: the astronaut is detected as a person; detection selected by class and by box', async () => {
  const spec = HUMAN_MODELS.centernet;
  const model = await loadHumanModel('centernet', { batchSize: 1 });
  try {
    assert.deepEqual(model.outputShape, [100, 6]);
    assert.deepEqual(model.inspect().opsWithoutGradient, []);
    const x = await photo('astronaut.jpg', spec.input.height, spec.input.pixelRange);
    const out = (await model.run(x, { outputs: ['logits'] }))['logits'];
    const person = selectDetection(spec.detections, out, { class: 0 });
    console.log(`CenterNet on astronaut.jpg: detection ${person.index}, class ${person.class}, score ${person.score.toFixed(3)}, box ${person.box.map((v) => v.toFixed(0)).join(', ')}`);
    assert.ok(person.score > 0.5, `person score ${person.score}`);
    assert.ok(iou(person.box, [0, 0, 380, 512]) > 0.6, `box ${person.box}`);
    assert.equal(selectDetection(spec.detections, out, { box: [10, 10, 370, 515] }).index, person.index, 'the best-scoring detection overlapping the box');
    if (process.env.SALIENCY_SLOW) {
      for (const t of [detectionScore(spec.detections, person.index), boxCoordinate(spec.detections, person.index, 'x1')]) {
        const d = await directional(model, x, t, 3);
        console.log(`CenterNet ${t.label}: d along the gradient ${d.fd.toExponential(3)} vs |g| ${d.analytic.toExponential(3)}`);
        assert.ok(Math.abs(d.fd - d.analytic) < 0.05 * d.analytic, JSON.stringify(d));
      }
    }
  } finally {
    await model.dispose();
  }
});
