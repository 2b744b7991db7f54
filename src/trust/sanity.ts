/**
 * `sanityCheck`: Adebayo et al. 2018's model-randomisation tests for any ONNX model.
 * Cascading randomisation re-initialises layers from the output down, one more at a time;
 * independent randomisation one layer at a time; optional weight noise. For every method
 * (and the Sobel edge control, which ignores the model) the maps on each randomised model
 * are compared with the trained model's maps (Spearman of |map| and of the signed map,
 * SSIM, HOG similarity), explaining the class the trained model predicts.
 *
 * Verdict: a method passes when the mean Spearman rank correlation of |map| between the
 * trained and the fully randomised model is below `threshold` (default 0.5): its maps
 * depend on what the model learned. The Sobel control stays at 1 and so always fails.
 */
import { readFileSync } from 'node:fs';
import type { Graph } from '../graph/ir.js';
import { loadOnnx, saveOnnx } from '../graph/onnx.js';
import { getMethod } from '../methods/registry.js';
import type { MapSimilarity } from './similarity.js';
import { perturbWeights, randomisableLayers, randomiseLayers } from './randomise.js';
import { agreement, explainAll, mapSize, meanSimilarity, SOBEL } from './sanityMaps.js';
import { trainDataRandomised, type DataRandomisationOptions } from './dataRandomisation.js';

export { SOBEL } from './sanityMaps.js';

export const SANITY_DEFAULTS = { methods: ['gradient', 'inputxgradient', 'ig', 'smoothgrad', 'guidedbackprop'], threshold: 0.5, seed: 0 };

export interface SanityOptions {
  /** Method names (registry); default gradient, inputxgradient, ig, smoothgrad, guidedbackprop. */
  methods?: readonly string[];
  /** Options per method name, as library values ({ ig: { steps: 16 } }). */
  methodOptions?: Record<string, Record<string, unknown>>;
  /** True labels of the inputs: the report then gives each randomised model's accuracy. */
  labels?: ArrayLike<number>;
  /** Also randomise each layer on its own (default true). */
  independent?: boolean;
  /** Weight-noise levels (x each layer's weight standard deviation); default none. */
  noise?: readonly number[];
  threshold?: number;
  seed?: number;
  batchSize?: number;
  /**
   * Also run data randomisation (trust/dataRandomisation.ts): train a model on true and one
   * on permuted labels (Fashion-MNIST, so the inputs must be 1x28x28) and compare their maps.
   */
  dataRandomisation?: boolean | DataRandomisationOptions;
  onProgress?: (done: number, total: number, what: string) => void;
}

/** One randomised model: which layers, its accuracy, and per method the mean similarity to the trained maps. */
export interface SanityLevel {
  /** 'trained', 'up to conv2', 'only fc', 'noise 0.5'. */
  label: string;
  kind: 'trained' | 'cascading' | 'independent' | 'noise';
  layers: string[];
  accuracy?: number;
  /** Method name -> mean similarity over the inputs. */
  similarity: Record<string, MapSimilarity>;
  /** Method name -> the first input's map ([height, width], channels summed), for the figure. */
  firstMap: Record<string, Float32Array>;
}

export interface SanityVerdict {
  method: string;
  title: string;
  /** Mean Spearman of |map| between the trained and the fully randomised model. */
  value: number;
  threshold: number;
  pass: boolean;
}

/** Data randomisation: maps of a model trained on true labels against one that memorised permuted labels. */
export interface DataRandomisationResult {
  trainImages: number;
  permutedEpochs: number;
  /** The permuted-label model's accuracy on its training labels (evaluation mode). */
  memorisedAccuracy: number;
  memorised: boolean;
  trainedTrainAccuracy: number;
  /** Accuracy on the inputs' labels, when given: the permuted-label model is near chance. */
  trainedAccuracy?: number;
  permutedAccuracy?: number;
  /** Method name -> mean similarity of the permuted-label model's maps to the true-label model's. */
  similarity: Record<string, MapSimilarity>;
  firstMap: { trained: Record<string, Float32Array>; permuted: Record<string, Float32Array> };
  /** Pass: mean Spearman |map| below the threshold. */
  verdicts: SanityVerdict[];
  seconds: number;
}

export interface SanityResult {
  /** Layers from the output down. */
  layers: string[];
  methods: { name: string; title: string }[];
  levels: SanityLevel[];
  verdicts: SanityVerdict[];
  threshold: number;
  dataRandomisation?: DataRandomisationResult;
  seconds: number;
}

export async function sanityCheck(modelSource: string | Uint8Array, input: Float32Array, options: SanityOptions = {}): Promise<SanityResult> {
  const t0 = performance.now();
  const graph = loadOnnx(typeof modelSource === 'string' ? readFileSync(modelSource) : modelSource);
  const layers = randomisableLayers(graph);
  if (!layers.length) throw new Error('sanity: the model has no Conv/Gemm/MatMul layer with constant weights to randomise');
  const seed = options.seed ?? SANITY_DEFAULTS.seed;
  const threshold = options.threshold ?? SANITY_DEFAULTS.threshold;
  const descriptors = (options.methods ?? SANITY_DEFAULTS.methods).map((m) => getMethod(m));
  const variants: { label: string; kind: SanityLevel['kind']; layers: string[]; graph: Graph }[] = [{ label: 'trained', kind: 'trained', layers: [], graph }];
  layers.forEach((_, k) => variants.push({ label: `up to ${layers[k]}`, kind: 'cascading', layers: layers.slice(0, k + 1), graph: randomiseLayers(graph, layers.slice(0, k + 1), seed) }));
  if (options.independent ?? true) for (const l of layers) variants.push({ label: `only ${l}`, kind: 'independent', layers: [l], graph: randomiseLayers(graph, [l], seed) });
  for (const s of options.noise ?? []) variants.push({ label: `noise ${s}`, kind: 'noise', layers: [...layers], graph: perturbWeights(graph, s, seed) });

  let reference: Record<string, Float32Array[]> = {};
  let classes: number[] | undefined;
  const levels: SanityLevel[] = [];
  const total = variants.length * descriptors.length;
  for (const [v, variant] of variants.entries()) {
    let done = v * descriptors.length;
    const r = await explainAll(saveOnnx(variant.graph), input, descriptors, {
      methodOptions: options.methodOptions, seed, batchSize: options.batchSize, classes,
      onMethod: (name) => options.onProgress?.(++done, total, `${name} on ${variant.label}`),
    });
    if (v === 0) [classes, reference] = [r.predicted, r.maps];
    const [h, w] = mapSize(r.shape);
    const accuracy = options.labels ? agreement(r.predicted, options.labels) : undefined;
    levels.push({ label: variant.label, kind: variant.kind, layers: variant.layers, accuracy, similarity: meanSimilarity(reference, r.maps, h, w), firstMap: firstMaps(r.maps) });
  }
  const full = levels.filter((l) => l.kind === 'cascading').at(-1)!;
  const methods = [...descriptors.map((d) => ({ name: d.name, title: d.title })), SOBEL];
  const verdicts = verdictsOf(methods, full.similarity, threshold);
  const data = options.dataRandomisation ? await dataRandomisation(input, methods, descriptors, options, seed, threshold) : undefined;
  return { layers, methods, levels, verdicts, threshold, dataRandomisation: data, seconds: (performance.now() - t0) / 1000 };
}

const firstMaps = (maps: Record<string, Float32Array[]>) => Object.fromEntries(Object.entries(maps).map(([k, m]) => [k, m[0]]));

function verdictsOf(methods: { name: string; title: string }[], similarity: Record<string, MapSimilarity>, threshold: number): SanityVerdict[] {
  return methods.map((m) => {
    const value = similarity[m.name].spearmanAbs;
    return { method: m.name, title: m.title, value, threshold, pass: value < threshold };
  });
}

async function dataRandomisation(input: Float32Array, methods: { name: string; title: string }[], descriptors: ReturnType<typeof getMethod>[], options: SanityOptions, seed: number, threshold: number): Promise<DataRandomisationResult> {
  const t0 = performance.now();
  const o = typeof options.dataRandomisation === 'object' ? options.dataRandomisation : {};
  const models = await trainDataRandomised({ seed, ...o, onProgress: o.onProgress ?? ((what) => options.onProgress?.(0, 0, what)) });
  const shape = models.trained.inputShape;
  if (input.length % (shape[0] * shape[1] * shape[2]) !== 0) {
    throw new Error(`sanity: data randomisation trains on Fashion-MNIST (inputs of shape [${shape}]), but the inputs do not hold whole images of that shape; use --fashion-mnist N or 28x28 grey images`);
  }
  const common = { methodOptions: options.methodOptions, seed, batchSize: options.batchSize };
  const trained = await explainAll(models.trainedOnnx, input, descriptors, common);
  const permuted = await explainAll(models.permutedOnnx, input, descriptors, { ...common, classes: trained.predicted });
  const [h, w] = mapSize(trained.shape);
  const similarity = meanSimilarity(trained.maps, permuted.maps, h, w);
  return {
    trainImages: models.trainImages,
    permutedEpochs: models.permutedEpochs,
    memorisedAccuracy: models.memorisedAccuracy,
    memorised: models.memorised,
    trainedTrainAccuracy: models.trainedTrainAccuracy,
    trainedAccuracy: options.labels ? agreement(trained.predicted, options.labels) : undefined,
    permutedAccuracy: options.labels ? agreement(permuted.predicted, options.labels) : undefined,
    similarity,
    firstMap: { trained: firstMaps(trained.maps), permuted: firstMaps(permuted.maps) },
    verdicts: verdictsOf(methods, similarity, threshold),
    seconds: (performance.now() - t0) / 1000,
  };
}
