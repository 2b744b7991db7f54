/**
 * Image-classification data for the trainer: Fashion-MNIST from Debian's
 * dataset-fashion-mnist (gzipped IDX), seeded subsets, and the pixel statistics the
 * exported model normalises with. Images are [n, 1, 28, 28] pixels in [0, 1].
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseIdx } from '../io/idx.js';
import { Rng } from '../random.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** A labelled image set: n images of shape [channels, height, width], pixels in [0, 1]. */
export interface Dataset {
  images: Float32Array;
  labels: Int32Array;
  shape: [number, number, number];
  classes: number;
}

export const datasetSize = (d: Dataset): number => d.labels.length;
export const imageSize = (d: Dataset): number => d.shape[0] * d.shape[1] * d.shape[2];

function readGzIdx(path: string) {
  if (!existsSync(path)) {
    throw new Error(`Fashion-MNIST file ${path} is missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass the directory holding the IDX files`);
  }
  const bytes = readFileSync(path);
  return parseIdx(path.endsWith('.gz') ? gunzipSync(bytes) : bytes, path);
}

export interface LoadOptions {
  /** Directory of the IDX files (default: Debian's). */
  dir?: string;
  /** Keep this many images (a seeded random subset); default all. */
  limit?: number;
  seed?: number;
}

/** The train or test split of Fashion-MNIST, optionally a seeded subset. */
export function loadFashionMnist(split: 'train' | 'test', options: LoadOptions = {}): Dataset {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = readGzIdx(join(dir, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readGzIdx(join(dir, `${prefix}-labels-idx1-ubyte.gz`));
  const total = labels.shape[0];
  const [h, w] = [images.shape[1], images.shape[2]];
  const keep = options.limit !== undefined && options.limit < total ? subsetIndices(total, options.limit, options.seed ?? 0) : null;
  const n = keep ? keep.length : total;
  const out: Dataset = { images: new Float32Array(n * h * w), labels: new Int32Array(n), shape: [1, h, w], classes: 10 };
  for (let i = 0; i < n; i++) {
    const src = keep ? keep[i] : i;
    out.labels[i] = Number(labels.data[src]);
    for (let p = 0; p < h * w; p++) out.images[i * h * w + p] = Number(images.data[src * h * w + p]) / 255;
  }
  return out;
}

/** `count` distinct indices below `total`, seeded, in increasing order. */
export function subsetIndices(total: number, count: number, seed: number): number[] {
  const order = permutation(total, new Rng(seed, 0x5ab5e7));
  return order.slice(0, count).sort((a, b) => a - b);
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Mean and standard deviation of every pixel of the set (what the exported model normalises with). */
export function pixelStatistics(d: Dataset): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  const x = d.images;
  // an index loop (the typed-array iterator is ~10x slower; the same sums in the same order)
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    s += v;
    s2 += v * v;
  }
  const mean = s / x.length;
  return { mean, std: Math.sqrt(Math.max(s2 / d.images.length - mean * mean, 1e-12)) };
}

/** Images i..j of a set (copies). */
export function slice(d: Dataset, indices: readonly number[]): Dataset {
  const size = imageSize(d);
  const out: Dataset = { images: new Float32Array(indices.length * size), labels: new Int32Array(indices.length), shape: d.shape, classes: d.classes };
  indices.forEach((src, i) => {
    out.images.set(d.images.subarray(src * size, (src + 1) * size), i * size);
    out.labels[i] = d.labels[src];
  });
  return out;
}
