/** Small page helpers: the baselines offered, what a dropped model's preprocessing is guessed to be, top classes. */
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';
import { $ } from './draw.js';

/** The article's baselines (every kind that needs no files). */
export const BASELINES = [
  { text: 'black', title: 'black' },
  { text: 'white', title: 'white' },
  { text: 'maxdistance', title: 'max distance' },
  { text: 'blur', title: 'blurred' },
  { text: 'uniform', title: 'uniform noise' },
  { text: 'gaussian', title: 'Gaussian noise' },
];

/** The chosen baseline as the CLI writes it ('blur:sigma=5'). */
export function baselineText(): string {
  const kind = $<HTMLSelectElement>('baseline').value;
  const sigma = $<HTMLInputElement>('sigma').value.trim();
  return (kind === 'blur' || kind === 'gaussian') && sigma ? `${kind}:sigma=${sigma}` : kind;
}

/** An ONNX ModelProto starts with its ir_version field (tag 0x08, a small number). */
export function isOnnx(b: Uint8Array): boolean {
  return b.length > 16 && b[0] === 0x08 && b[1] > 0 && b[1] < 64;
}

/** A dropped model's preprocessing: pixels in [0, 1], no normalisation, channels from the shape. */
export function guessPreprocessing(shape: number[]): ResolvedPreprocessing {
  const nhwc = shape.length === 3 && shape[2] <= 4 && shape[0] > 4;
  const [c, h, w] = nhwc ? [shape[2], shape[0], shape[1]] : shape.length === 3 ? shape : [1, shape[0], shape[1] ?? 1];
  return { height: h, width: w, resize: 'stretch', cropFraction: 1, channels: c === 1 ? 'L' : 'RGB', layout: nhwc ? 'NHWC' : 'NCHW', pixelRange: [0, 1], mean: 0, std: 1, shape,
    assumed: [
      { key: 'pixelRange', value: [0, 1], flag: '--range', because: 'a dropped model carries no preprocessing' },
      { key: 'mean', value: 0, flag: '--mean', because: 'a dropped model carries no preprocessing' },
      { key: 'std', value: 1, flag: '--std', because: 'a dropped model carries no preprocessing' },
    ] };
}

export function softmaxTop(logits: Float32Array, k: number): Array<{ index: number; p: number }> {
  const max = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v, index) => ({ index, p: v / sum })).sort((a, b) => b.p - a.p).slice(0, k);
}
