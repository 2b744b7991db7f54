/**
 * Joint occlusion for similarity models: both images occluded together (the "pairwise
 * occlusion" of Sammani et al., explain-cl methods.py). `pairwiseOcclusion` beside it occludes
 * one image with the other whole as the condition (their "conditional occlusion"); here each of
 * N draws erases a random rectangle of A and, independently, one of B (torchvision's
 * RandomErasing: an area fraction in `scale`, an aspect ratio in `ratio` drawn log-uniformly,
 * ten tries, else no erase), and:
 *
 *   drop_n   = cos(f(A), f(B)) - cos(f(A_n), f(B_n))
 *   weight_n = softmax over the draws of drop_n
 *   the weight goes to the erased pixels of the image whose occluded embedding has the smaller
 *   norm (A when ||f(A_n)|| < ||f(B_n)||, else B), as the reference credits it.
 *
 * The maps are returned as accumulated (the reference then divides each by its maximum for
 * display). Draws are made from their own seeded streams (draw n of A from rngFor(seed, n, 0)),
 * and the perturbed pairs are run `batchSize` at a time (one chunk in memory).
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { inputSpace, type Preprocessing } from '../../engine/space.js';
import { rngFor, type Rng } from '../../random.js';

/** A rectangle of pixels (height 0: the draw found no fitting rectangle and erased nothing). */
export interface Rect {
  top: number;
  left: number;
  height: number;
  width: number;
}

export interface JointOcclusionOptions {
  /** Number of joint draws. Default 64. */
  erases?: number;
  /** Erased area as a fraction of the image, [min, max]. Default [0.02, 0.33] (torchvision's). */
  scale?: [number, number];
  /** Aspect ratio (height / width) of the rectangle, [min, max]. Default [0.3, 3.3]. */
  ratio?: [number, number];
  /** Value written into the erased pixels, in model space. Default 0 (the reference erases normalised tensors with 0). */
  fill?: number;
  seed?: number;
  /** Layout of the input (default: inferred from the shape). */
  preprocessing?: Preprocessing;
  /** Pairs of examples per model call. Default 16. */
  batchSize?: number;
  /** Given rectangles instead of random draws (one per draw for each image). */
  rectangles?: { a: Rect[]; b: Rect[] };
}

export interface JointDraw {
  a: Rect;
  b: Rect;
  /** cos(f(A_n), f(B_n)). */
  similarity: number;
  /** Softmax weight of the similarity drop. */
  weight: number;
  /** The image the weight was credited to. */
  credited: 'a' | 'b';
}

export interface JointOcclusion {
  /** cos(f(A), f(B)). */
  similarity: number;
  /** [height, width] of the maps. */
  shape: [number, number];
  /** Accumulated weights of the draws credited to A, per pixel. */
  a: Float32Array;
  b: Float32Array;
  draws: JointDraw[];
}

/** torchvision's RandomErasing.get_params (value 0, p = 1). */
export function eraseRectangle(h: number, w: number, scale: [number, number], ratio: [number, number], rng: Rng): Rect {
  const area = h * w;
  const [logLo, logHi] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const erase = area * (scale[0] + (scale[1] - scale[0]) * rng.float());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.float());
    const eh = Math.round(Math.sqrt(erase * aspect));
    const ew = Math.round(Math.sqrt(erase / aspect));
    if (!(eh < h && ew < w)) continue;
    return { top: Math.floor(rng.float() * (h - eh + 1)), left: Math.floor(rng.float() * (w - ew + 1)), height: eh, width: ew };
  }
  return { top: 0, left: 0, height: 0, width: 0 };
}

const cosine = (u: Float32Array, v: Float32Array) => {
  let dot = 0;
  let nu = 0;
  let nv = 0;
  for (let i = 0; i < u.length; i++) {
    dot += u[i] * v[i];
    nu += u[i] * u[i];
    nv += v[i] * v[i];
  }
  return { cos: dot / Math.sqrt(nu * nv), normU: Math.sqrt(nu), normV: Math.sqrt(nv) };
};

/** Joint occlusion of one image A and one image B. */
export async function jointOcclusion(model: Model, a: Float32Array, b: Float32Array, options: JointOcclusionOptions = {}): Promise<JointOcclusion> {
  for (const [name, x] of [['A', a], ['B', b]] as const) {
    const n = countExamples(x, model.inputShape);
    if (n !== 1) throw new Error(`joint occlusion takes one image A and one image B; image ${name} holds ${n} examples`);
  }
  const space = inputSpace(model, options.preprocessing);
  if (space.layout === 'flat') throw new Error('joint occlusion erases rectangles of an image: the input needs an image layout (NCHW or NHWC)');
  const [h, w] = space.layout === 'NCHW' ? [space.shape[1], space.shape[2]] : [space.shape[0], space.shape[1]];
  const channels = space.channels;
  const count = options.rectangles?.a.length ?? options.erases ?? 64;
  if (options.rectangles && options.rectangles.b.length !== count) throw new Error(`joint occlusion: ${count} rectangles for A but ${options.rectangles.b.length} for B`);
  const scale = options.scale ?? [0.02, 0.33];
  const ratio = options.ratio ?? [0.3, 3.3];
  const seed = options.seed ?? 0;
  const rects = options.rectangles ?? {
    a: Array.from({ length: count }, (_, n) => eraseRectangle(h, w, scale, ratio, rngFor(seed, n, 0))),
    b: Array.from({ length: count }, (_, n) => eraseRectangle(h, w, scale, ratio, rngFor(seed, n, 1))),
  };
  const fill = options.fill ?? 0;
  const per = space.size;
  const pixel = (y: number, x: number, c: number) => (space.layout === 'NCHW' ? (c * h + y) * w + x : (y * w + x) * channels + c);
  const erase = (dest: Float32Array, r: Rect) => {
    for (let y = r.top; y < r.top + r.height; y++) for (let x = r.left; x < r.left + r.width; x++) for (let c = 0; c < channels; c++) dest[pixel(y, x, c)] = fill;
  };
  const embed = async (x: Float32Array) => (await model.run(x, { outputs: ['logits'] }))['logits'];
  const [ea, eb] = [await embed(a), await embed(b)];
  const out = ea.length;
  const similarity = cosine(ea, eb).cos;

  const sims = new Float64Array(count);
  const aSmaller: boolean[] = new Array(count);
  const chunk = Math.max(1, options.batchSize ?? 16);
  const buffer = new Float32Array(2 * Math.min(chunk, count) * per);
  for (let start = 0; start < count; start += chunk) {
    const m = Math.min(chunk, count - start);
    const both = buffer.subarray(0, 2 * m * per);
    for (let i = 0; i < m; i++) {
      const da = both.subarray(i * per, (i + 1) * per);
      const db = both.subarray((m + i) * per, (m + i + 1) * per);
      da.set(a);
      db.set(b);
      erase(da, rects.a[start + i]);
      erase(db, rects.b[start + i]);
    }
    const e = await embed(both);
    for (let i = 0; i < m; i++) {
      const r = cosine(e.subarray(i * out, (i + 1) * out), e.subarray((m + i) * out, (m + i + 1) * out));
      sims[start + i] = r.cos;
      aSmaller[start + i] = r.normU < r.normV;
    }
  }
  // softmax of the drops (shifted by the largest for range)
  const drops = Array.from(sims, (s) => similarity - s);
  const top = Math.max(...drops);
  const exps = drops.map((d) => Math.exp(d - top));
  const total = exps.reduce((s, v) => s + v, 0);
  const mapA = new Float32Array(h * w);
  const mapB = new Float32Array(h * w);
  const draws: JointDraw[] = [];
  for (let n = 0; n < count; n++) {
    const weight = exps[n] / total;
    const credited = aSmaller[n] ? 'a' : 'b';
    const r = credited === 'a' ? rects.a[n] : rects.b[n];
    const map = credited === 'a' ? mapA : mapB;
    for (let y = r.top; y < r.top + r.height; y++) for (let x = r.left; x < r.left + r.width; x++) map[y * w + x] += weight;
    draws.push({ a: rects.a[n], b: rects.b[n], similarity: sims[n], weight, credited });
  }
  return { similarity, shape: [h, w], a: mapA, b: mapB, draws };
}
