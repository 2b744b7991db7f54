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
import { loadOnnxModel, type OnnxModel } from '../engine/onnx.js';
import { getMethod, methodOptions } from '../methods/registry.js';
import { mapSimilarity, sobel, type MapSimilarity } from './similarity.js';
import { perturbWeights, randomisableLayers, randomiseLayers } from './randomise.js';

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

export interface SanityResult {
  /** Layers from the output down. */
  layers: string[];
  methods: { name: string; title: string }[];
  levels: SanityLevel[];
  verdicts: SanityVerdict[];
  threshold: number;
  seconds: number;
}

export const SOBEL = { name: 'sobel', title: 'Sobel edges (control)' };

/** Sum over channels: [n, c, h, w] -> n maps of [h, w]. */
function channelSum(values: Float32Array, n: number, shape: readonly number[]): Float32Array[] {
  const [c, hw] = shape.length === 3 ? [shape[0], shape[1] * shape[2]] : [1, values.length / n];
  return Array.from({ length: n }, (_, e) => {
    const m = new Float32Array(hw);
    for (let k = 0; k < c; k++) for (let p = 0; p < hw; p++) m[p] += values[(e * c + k) * hw + p];
    return m;
  });
}

function argmaxes(logits: Float32Array, n: number): number[] {
  const k = logits.length / n;
  return Array.from({ length: n }, (_, e) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[e * k + j] > logits[e * k + best]) best = j;
    return best;
  });
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
  let classes: number[] = [];
  let shape: number[] = [];
  let n = 0;
  const levels: SanityLevel[] = [];
  for (const [v, variant] of variants.entries()) {
    const model: OnnxModel = await loadOnnxModel(saveOnnx(variant.graph));
    try {
      shape = [...model.inputShape];
      n = input.length / shape.reduce((a, b) => a * b, 1);
      if (!Number.isInteger(n) || n < 1) throw new Error(`sanity: the input holds ${input.length} values, not a whole number of inputs of shape [${shape}]`);
      const logits = (await model.run(input, { outputs: ['logits'] })).logits;
      const predicted = argmaxes(logits, n);
      if (v === 0) classes = predicted;
      const maps: Record<string, Float32Array[]> = {};
      for (const d of descriptors) {
        const o = methodOptions(d, options.methodOptions?.[d.name] ?? {});
        const a = await d.run(model, input, o, { target: classes, seed, batchSize: options.batchSize });
        maps[d.name] = channelSum(a.values, n, shape);
        options.onProgress?.(v * descriptors.length + descriptors.indexOf(d) + 1, variants.length * descriptors.length, `${d.name} on ${variant.label}`);
      }
      const [h, w] = shape.length === 3 ? [shape[1], shape[2]] : [1, shape.reduce((a, b) => a * b, 1)];
      maps[SOBEL.name] = channelSum(input, n, shape).map((img) => sobel(img, h, w));
      if (v === 0) reference = maps;
      const similarity: Record<string, MapSimilarity> = {};
      for (const name of Object.keys(maps)) {
        const per = maps[name].map((m, e) => mapSimilarity(reference[name][e], m, h, w));
        similarity[name] = {
          spearmanAbs: mean(per.map((p) => p.spearmanAbs)),
          spearman: mean(per.map((p) => p.spearman)),
          ssim: mean(per.map((p) => p.ssim)),
          hog: mean(per.map((p) => p.hog)),
        };
      }
      const accuracy = options.labels ? predicted.filter((c, e) => c === Number(options.labels![e])).length / n : undefined;
      levels.push({ label: variant.label, kind: variant.kind, layers: variant.layers, accuracy, similarity, firstMap: Object.fromEntries(Object.entries(maps).map(([k, m]) => [k, m[0]])) });
    } finally {
      await model.dispose();
    }
  }
  const full = levels.filter((l) => l.kind === 'cascading').at(-1)!;
  const methods = [...descriptors.map((d) => ({ name: d.name, title: d.title })), SOBEL];
  const verdicts = methods.map((m) => {
    const value = full.similarity[m.name].spearmanAbs;
    return { method: m.name, title: m.title, value, threshold, pass: value < threshold };
  });
  return { layers, methods, levels, verdicts, threshold, seconds: (performance.now() - t0) / 1000 };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(a.length, 1);
