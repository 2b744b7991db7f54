/** Small page helpers: the baselines offered, what a dropped model's preprocessing is guessed to be, top classes, flag text. */
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';

/** The article's baselines (every kind that needs no files). */
export const BASELINES = [
  { text: 'black', title: 'black' },
  { text: 'white', title: 'white' },
  { text: 'maxdistance', title: 'max distance' },
  { text: 'blur', title: 'blurred' },
  { text: 'uniform', title: 'uniform noise' },
  { text: 'gaussian', title: 'Gaussian noise' },
];

/** A baseline as the CLI writes it ('blur:sigma=5'). */
export function baselineText(kind: string, sigma: string): string {
  return (kind === 'blur' || kind === 'gaussian') && sigma.trim() ? `${kind}:sigma=${sigma.trim()}` : kind;
}

/** 'steps=20 samples=4' -> { steps: '20', samples: '4' } (flag names as `saliency methods` lists them). */
export function parseFlags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const at = part.indexOf('=');
    if (at <= 0) throw new Error(`options are written flag=value (e.g. steps=20), got '${part}'`);
    out[part.slice(0, at).replace(/^--/, '')] = part.slice(at + 1);
  }
  return out;
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
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v, index) => ({ index, p: v / sum })).sort((a, b) => b.p - a.p).slice(0, k);
}
