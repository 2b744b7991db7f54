/**
 * The maps the sanity checks compare: every method's map (channels summed) on one model,
 * the Sobel control, and the mean similarity of a set of maps to the reference maps.
 */
import { loadOnnxModel } from '../engine/onnx.js';
import type { AnyMethodDescriptor } from '../methods/descriptor.js';
import { methodOptions } from '../methods/registry.js';
import { mapSimilarity, sobel, type MapSimilarity } from './similarity.js';

export const SOBEL = { name: 'sobel', title: 'Sobel edges (control)' };

/** Sum over channels: [n, c, h, w] -> n maps of [h, w]. */
export function channelSum(values: Float32Array, n: number, shape: readonly number[]): Float32Array[] {
  const [c, hw] = shape.length === 3 ? [shape[0], shape[1] * shape[2]] : [1, values.length / n];
  return Array.from({ length: n }, (_, e) => {
    const m = new Float32Array(hw);
    for (let k = 0; k < c; k++) for (let p = 0; p < hw; p++) m[p] += values[(e * c + k) * hw + p];
    return m;
  });
}

export function argmaxes(logits: Float32Array, n: number): number[] {
  const k = logits.length / n;
  return Array.from({ length: n }, (_, e) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[e * k + j] > logits[e * k + best]) best = j;
    return best;
  });
}

/** Map height and width of an input shape ([c, h, w], or flat). */
export const mapSize = (shape: readonly number[]): [number, number] => (shape.length === 3 ? [shape[1], shape[2]] : [1, shape.reduce((a, b) => a * b, 1)]);

export interface ModelMaps {
  shape: number[];
  n: number;
  predicted: number[];
  /** Method name (and 'sobel') -> one [h, w] map per input. */
  maps: Record<string, Float32Array[]>;
}

export interface ExplainAllOptions {
  methodOptions?: Record<string, Record<string, unknown>>;
  seed: number;
  batchSize?: number;
  /** Explain these classes (default: the classes this model predicts). */
  classes?: number[];
  onMethod?: (name: string) => void;
}

/** Every method's maps on one ONNX model (opened and disposed here), and the Sobel control. */
export async function explainAll(onnx: Uint8Array, input: Float32Array, descriptors: readonly AnyMethodDescriptor[], o: ExplainAllOptions): Promise<ModelMaps> {
  const model = await loadOnnxModel(onnx);
  try {
    const shape = [...model.inputShape];
    const n = input.length / shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(n) || n < 1) throw new Error(`sanity: the input holds ${input.length} values, not a whole number of inputs of shape [${shape}]`);
    const predicted = argmaxes((await model.run(input, { outputs: ['logits'] })).logits, n);
    const target = o.classes ?? predicted;
    const maps: Record<string, Float32Array[]> = {};
    for (const d of descriptors) {
      const a = await d.run(model, input, methodOptions(d, o.methodOptions?.[d.name] ?? {}), { target, seed: o.seed, batchSize: o.batchSize });
      maps[d.name] = channelSum(a.values, n, shape);
      o.onMethod?.(d.name);
    }
    const [h, w] = mapSize(shape);
    maps[SOBEL.name] = channelSum(input, n, shape).map((img) => sobel(img, h, w));
    return { shape, n, predicted, maps };
  } finally {
    await model.dispose();
  }
}

/** Per map name, the mean similarity of `maps` to `reference` over the inputs. */
export function meanSimilarity(reference: Record<string, Float32Array[]>, maps: Record<string, Float32Array[]>, h: number, w: number): Record<string, MapSimilarity> {
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
  return similarity;
}

/** Share of `labels` the predictions match. */
export const agreement = (predicted: readonly number[], labels: ArrayLike<number>): number => predicted.filter((c, e) => c === Number(labels[e])).length / Math.max(predicted.length, 1);

export const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / Math.max(a.length, 1);
