/**
 * The demo's sections beyond one class logit (issue 16), on real models from the
 * `@vladmandic/human` package (TensorFlow.js, wasm backend):
 *
 *   detection   CenterNet (COCO) on the astronaut photo at 512 x 512: Grad-CAM of the class
 *               score of each distinct detection (score >= 0.1, IoU < 0.5 with a better one,
 *               at most 3) and of the person's box coordinate x1 (DExT), at the head's shared
 *               feature map (128 x 128); then DExT's multi-object picture, every map merged
 *               with its box.
 *   similarity  FaceRes (face embedding) on a face crop A of the astronaut photo and a
 *               reference B (another, mirrored crop of the same face): the cosine similarity
 *               of the embeddings explained on each image by its gradient, Grad-CAM and
 *               pairwise occlusion (56-pixel windows, a 4 x 4 grid).
 *
 * Cost: a CenterNet gradient (input or Grad-CAM: recording the 512 x 512 forward pass for the
 * tape dominates) costs about 15 forward passes on wasm, so the full demo gets the light
 * variant (LIGHT: the best detection's score and x1 maps; the similarity of A to B by gradient
 * and Grad-CAM) and `saliency demo --only beyond` the full one (FULL: 3 detections, both
 * images, pairwise occlusion).
 */
import sharp from 'sharp';
import { join } from 'node:path';
import { COCO_CLASSES, HUMAN_MODELS, loadHumanModel } from '../engine/tfjs/index.js';
import type { Model } from '../engine/model.js';
import { loadImage } from '../io/image.js';
import type { ResolvedPreprocessing } from '../io/preprocess.js';
import { gradCam } from '../methods/cam/gradCam.js';
import { gradient } from '../methods/gradient.js';
import { pairwiseOcclusion } from '../methods/perturbation/pairwiseOcclusion.js';
import type { Attribution } from '../methods/attribution.js';
import { boxCoordinate, cosineSimilarity, detectionScore, iou, type Box, type Target } from '../targets/index.js';
import { dataUri } from '../app/pictures.js';
import { detectionPicture, heatmap, inputImage, mergeDetectionMaps, panels, type RgbaImage } from '../viz/index.js';
import type { ReportCell, ReportColumn, ReportSection } from '../report/index.js';

/** The head's feature map shared by the class and box outputs (what every detection map is read at). */
export const CENTERNET_LAYER = 'tower_0/CenternetHead/mul';

export interface BeyondOptions {
  /** Distinct detections explained (class score each), the best one also by its box x1. */
  detections: number;
  /** Explain B against A too, and add pairwise occlusion (4 x 4 windows on each image). */
  fullSimilarity: boolean;
}

export const LIGHT: BeyondOptions = { detections: 1, fullSimilarity: false };
export const FULL: BeyondOptions = { detections: 3, fullSimilarity: true };

export interface BeyondResult {
  id: 'detection' | 'similarity';
  model: string;
  wallMs: number;
  runs: Array<{ id: string; target: string; wallMs: number }>;
  /** detection: the detections explained; similarity: cos(f(A), f(B)). */
  detections?: Array<{ index: number; label: string; score: number; box: number[] }>;
  similarity?: number;
}

const show = { minSide: 224, format: 'auto' as const };
const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, performance.now() - t0];
};

async function cellOf(values: Float32Array, shape: readonly number[], picture: RgbaImage, caption: string[], title: string, layout?: 'NHWC'): Promise<ReportCell> {
  const p = panels(values, shape, picture, layout ? { layout } : {});
  return { overlay: await dataUri(p.overlay!, show), heatmap: await dataUri(p.heatmap.image, show), signed: await dataUri(p.signed.image, show), caption, title };
}

function column(id: string, title: string, subtitle: string, a: Attribution, wallMs: number): ReportColumn {
  return { id, title, subtitle, method: a.method, params: a.params, timings: { wallMs, modelMs: a.timings.modelMs, evaluations: a.timings.forwardExamples + a.timings.backwardExamples } };
}

/** A photo's pixels as one NHWC example (RGB in pixelRange) at size x size, centre-cropped. */
function photo(file: string, size: number, pixelRange: readonly [number, number]): Promise<Float32Array> {
  const prep: ResolvedPreprocessing = { height: size, width: size, resize: 'crop', cropFraction: 1, channels: 'RGB', layout: 'NHWC', pixelRange: [...pixelRange], mean: 0, std: 1, shape: [size, size, 3], assumed: [] };
  return loadImage(file, prep).then((i) => i.data);
}

/** Distinct detections: score >= minScore, IoU < 0.5 with every better one, at most `max`. */
function distinctDetections(out: Float32Array, max: number, minScore = 0.1): Array<{ index: number; box: Box; score: number; cls: number }> {
  const { detections, stride } = HUMAN_MODELS.centernet.detections;
  const kept: Array<{ index: number; box: Box; score: number; cls: number }> = [];
  const rows = Array.from({ length: detections }, (_, i) => i).sort((a, b) => out[b * stride + 4] - out[a * stride + 4]);
  for (const i of rows) {
    const r = out.subarray(i * stride, (i + 1) * stride);
    if (r[4] < minScore || kept.length >= max) break;
    const box: Box = [r[0], r[1], r[2], r[3]];
    if (kept.every((k) => iou(k.box, box) < 0.5)) kept.push({ index: i, box, score: r[4], cls: r[5] });
  }
  return kept;
}

export async function detectionSection(images: string, options: BeyondOptions = FULL): Promise<{ section: ReportSection; result: BeyondResult }> {
  const t0 = performance.now();
  const spec = HUMAN_MODELS.centernet;
  const model = await loadHumanModel('centernet', { batchSize: 1 });
  try {
    const x = await photo(join(images, 'astronaut.jpg'), spec.input.height, spec.input.pixelRange);
    const pic = inputImage(x, model.inputShape, { layout: 'NHWC', range: spec.input.pixelRange });
    const out = (await model.run(x, { outputs: ['logits'] }))['logits'];
    const found = distinctDetections(out, options.detections);
    const name = (d: { cls: number }) => COCO_CLASSES[d.cls] ?? `class ${d.cls}`;
    const asks: Array<{ id: string; title: string; subtitle: string; target: Target; detection: number }> = found.map((d, k) => ({
      id: `score-${k}`, title: `${name(d)} ${d.score.toFixed(2)}`, subtitle: `detection ${d.index}: class score`, target: detectionScore(spec.detections, d.index), detection: k,
    }));
    if (found.length) asks.push({ id: 'box-x1', title: `${name(found[0])} box x1`, subtitle: `detection ${found[0].index}: box coordinate x1`, target: boxCoordinate(spec.detections, found[0].index, 'x1'), detection: 0 });
    const columns: ReportColumn[] = [];
    const cells: ReportCell[] = [];
    const scoreMaps: Float32Array[] = [];
    const runs: BeyondResult['runs'] = [];
    for (const a of asks) {
      const [cam, ms] = await timed(() => gradCam(model, x, { target: a.target, layer: CENTERNET_LAYER }));
      const d = found[a.detection];
      if (a.id.startsWith('score')) scoreMaps.push(cam.values);
      columns.push(column(a.id, a.title, a.subtitle, cam, ms));
      cells.push(await cellOf(cam.values, cam.shape.slice(1), pic, [`Grad-CAM of ${a.target.label}`, `box ${d.box.map((v) => v.toFixed(0)).join(', ')}`], `${a.target.label} · ${(ms / 1000).toFixed(1)} s`));
      runs.push({ id: a.id, target: a.target.label, wallMs: ms });
    }
    if (scoreMaps.length) {
      const merged = mergeDetectionMaps(scoreMaps);
      const dext = detectionPicture(pic, merged, found.map((d) => d.box));
      const heat = heatmap(merged.value, [pic.height, pic.width]).image;
      columns.push({ id: 'dext', title: 'All detections (DExT)', subtitle: 'class-score maps merged, with boxes', method: 'mergeDetectionMaps', params: { detections: found.length }, timings: { wallMs: 0, modelMs: 0, evaluations: 0 } });
      cells.push({ overlay: await dataUri(dext, show), heatmap: await dataUri(heat, show), signed: await dataUri(dext, show), caption: found.map((d, k) => `${k + 1}: ${name(d)} ${d.score.toFixed(2)}`), title: 'each pixel in the colour of the detection whose map (scaled to its maximum) is largest there' });
    }
    const wallMs = performance.now() - t0;
    const section: ReportSection = {
      id: 'detection',
      title: 'Object detection: CenterNet (COCO), every detection and its box',
      description:
        'DExT (Padmanabhan et al. 2022) explains a detector one detection at a time: the class score of a detection, and each coordinate of its box, are scalar targets like a class logit. ' +
        `Grad-CAM at the head's shared feature map (${CENTERNET_LAYER}, 128 × 128) for each distinct detection, then all of them in one picture.`,
      model: { spec: '@vladmandic/human models/centernet.json', format: 'tfjs', inputShape: [...model.inputShape], outputShape: [...model.outputShape], details: [['output', `${spec.output}: 100 rows of x1, y1, x2, y2, score, class id`], ['layer', CENTERNET_LAYER]] },
      columns,
      rows: [{ name: 'astronaut.jpg', input: await dataUri(pic, show), target: 'each detection', top: found.map((d) => ({ class: d.cls, label: name(d), probability: d.score })), cells }],
      paths: [],
      notes: [`Detections kept: score >= 0.1, overlapping every better-scoring one by IoU < 0.5, at most ${options.detections}${options.detections < FULL.detections ? ' (saliency demo --only beyond shows more)' : ''}. The input gradient through the whole network costs about a minute on the wasm backend at 512 × 512 on a loaded machine; Grad-CAM at the head costs about as much (recording the forward pass dominates).`],
      wallMs,
    };
    return { section, result: { id: 'detection', model: 'centernet', wallMs, runs, detections: found.map((d) => ({ index: d.index, label: name(d), score: d.score, box: [...d.box] })) } };
  } finally {
    await model.dispose();
  }
}

/** A square crop of a photo (left, top, side in its pixels), optionally mirrored, as RGB in [0, 1] NHWC at `size`. */
async function crop(file: string, left: number, top: number, side: number, size: number, mirror: boolean): Promise<Float32Array> {
  let img = sharp(file).removeAlpha().extract({ left, top, width: side, height: side });
  if (mirror) img = img.flop();
  const { data } = await img.resize(size, size).raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data, (v) => v / 255);
}

export async function similaritySection(images: string, options: BeyondOptions = FULL): Promise<{ section: ReportSection; result: BeyondResult }> {
  const t0 = performance.now();
  const size = HUMAN_MODELS.faceres.input.height;
  const model: Model = await loadHumanModel('faceres', { batchSize: 16 });
  try {
    const file = join(images, 'astronaut.jpg');
    const a = await crop(file, 88, 12, 100, size, false);
    const b = await crop(file, 80, 18, 112, size, true);
    const [pair, occMs] = options.fullSimilarity ? await timed(() => pairwiseOcclusion(model, a, b, { window: [56, 56, 3], stride: [56, 56, 3] })) : [undefined, 0];
    const embedA = (await model.run(a, { outputs: ['logits'] }))['logits'];
    const similarity = cosineSimilarity((await model.run(b, { outputs: ['logits'] }))['logits']).value(embedA, 0);
    const shape = [...model.inputShape];
    const runs: BeyondResult['runs'] = [];
    const rows = [];
    const columns: ReportColumn[] = [];
    const images2 = [[0, a, b, 'face A', 'B'], [1, b, a, 'face B (mirrored crop)', 'A']] as const;
    for (const [k, x, other, name, otherName] of options.fullSimilarity ? images2 : images2.slice(0, 1)) {
      const embedding = (await model.run(other, { outputs: ['logits'] }))['logits'];
      const target = cosineSimilarity(embedding, `cosine similarity to ${otherName}`);
      const pic = inputImage(x, shape, { layout: 'NHWC', range: [0, 1] });
      const [g, gMs] = await timed(() => gradient(model, x, { target }));
      const [cam, cMs] = await timed(() => gradCam(model, x, { target }));
      const runsHere: Array<[string, string, string, Attribution, number, readonly number[], 'NHWC' | undefined]> = [
        ['gradient', 'Gradient', 'd cos / d pixels', g, gMs, shape, 'NHWC'],
        ['gradcam', 'Grad-CAM', 'auto layer', cam, cMs, cam.shape.slice(1), undefined],
      ];
      if (pair) runsHere.push(['pairwise-occlusion', 'Pairwise occlusion', 'drop of cos, 56 px windows', k === 0 ? pair.a : pair.b, occMs / 2, shape, 'NHWC']);
      const cells: ReportCell[] = [];
      for (const [id, title, subtitle, attr, ms, s, layout] of runsHere) {
        if (k === 0) columns.push(column(id, title, subtitle, attr, ms));
        cells.push(await cellOf(attr.values, s, pic, [`${title} of ${target.label}`], `${target.label} · ${(ms / 1000).toFixed(1)} s`, layout));
        runs.push({ id: `${id}-${otherName === 'B' ? 'A' : 'B'}`, target: target.label, wallMs: ms });
      }
      rows.push({ name, input: await dataUri(pic, show), target: target.label, top: [{ class: 0, label: `cos(A, B) = ${similarity.toFixed(3)}`, probability: Math.max(0, similarity) }], cells });
    }
    const wallMs = performance.now() - t0;
    const section: ReportSection = {
      id: 'similarity',
      title: 'Similarity: FaceRes face embedding, what makes two crops of one face alike',
      description:
        'A similarity model has no class: the target is the cosine similarity between the embedding of the explained image and that of a reference. ' +
        'Each image is explained against the other (A: a face crop of the astronaut photo; B: a larger, mirrored crop of the same face). ' +
        'Pairwise occlusion blacks out 56-pixel windows (a 4 × 4 grid) of one image and records the drop of the similarity.',
      model: { spec: '@vladmandic/human models/faceres.json', format: 'tfjs', inputShape: shape, outputShape: [...model.outputShape], details: [['output', `${HUMAN_MODELS.faceres.output}: a 1024-value embedding`]] },
      columns,
      rows,
      paths: [],
      notes: [`cos(f(A), f(B)) = ${similarity.toFixed(4)}.${pair ? ' Occlusion fills windows with 0 (black).' : ' Pairwise occlusion and B explained against A: saliency demo --only beyond.'}`],
      wallMs,
    };
    return { section, result: { id: 'similarity', model: 'faceres', wallMs, runs, similarity } };
  } finally {
    await model.dispose();
  }
}
