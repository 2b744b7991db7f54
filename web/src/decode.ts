/**
 * An image file -> the model's input, in the worker: decode (createImageBitmap), stretch
 * to the model's size, channels as the preprocessing says, (pixel - mean) / std.
 */
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';

export async function imageToInput(blob: Blob, prep: ResolvedPreprocessing): Promise<Float32Array> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    throw new Error('this file is not an image the browser can decode (PNG, JPEG, GIF or WebP), nor an ONNX model');
  }
  const { width: w, height: h } = prep;
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const channels = prep.channels === 'L' ? 1 : 3;
  const [lo, hi] = prep.pixelRange;
  const mean = (c: number) => (Array.isArray(prep.mean) ? prep.mean[c] : (prep.mean as number));
  const std = (c: number) => (Array.isArray(prep.std) ? prep.std[c] : (prep.std as number));
  const out = new Float32Array(channels * w * h);
  for (let p = 0; p < w * h; p++) {
    const [r, g, b] = [rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2]];
    const values = channels === 1 ? [0.299 * r + 0.587 * g + 0.114 * b] : prep.channels === 'BGR' ? [b, g, r] : [r, g, b];
    values.forEach((v, c) => {
      const pixel = lo + (v / 255) * (hi - lo);
      const at = prep.layout === 'NHWC' ? p * channels + c : c * w * h + p;
      out[at] = (pixel - mean(c)) / std(c);
    });
  }
  return out;
}
