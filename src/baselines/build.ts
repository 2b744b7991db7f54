/**
 * Baseline specs (spec.ts) -> baseline objects, in the model's input space as the
 * preprocessing defines it; `dataset:SOURCE` reads the examples (a directory of images,
 * a .npy of model inputs, or an IDX file of images such as Debian's Fashion-MNIST) and
 * draws from them with the one dataset sampler (dataset.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Baseline } from './baseline.js';
import { datasetBaseline } from './dataset.js';
import { makeInMemoryBaseline } from './make.js';
import { rngFor } from '../random.js';
import { inputSpace, type Preprocessing } from '../engine/space.js';
import type { Model } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { loadImages } from '../io/image.js';
import { readIdx } from '../io/idx.js';
import { modelInputsFromNpy, readNpy } from '../io/npy.js';
import type { ResolvedPreprocessing } from '../io/preprocess.js';
import { BadInputError, UsageError } from '../errors.js';
import { BASELINE_DEFAULTS, type BaselineSpec } from './spec.js';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.avif']);

export interface BaselineContext {
  model: Model;
  /** Pixel <-> model space (undefined: raw inputs with no preprocessing known). */
  preprocessing?: Preprocessing;
  /** How image files are read (dataset:DIR). */
  images?: ResolvedPreprocessing;
  seed: number;
}

export interface BuiltBaseline {
  spec: BaselineSpec;
  /** The baseline object the methods take (`isRandom(baseline)`: a distribution, averaged over draws). */
  baseline: Baseline;
  /** What it is, in words, for records and reports. */
  description: string;
}

/** Image files directly inside a directory, sorted by name. */
export function imageFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(dir, f));
}

/** A seeded choice of `limit` of `count` indices (all of them, in order, when count <= limit). */
function sample(count: number, limit: number, seed: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  if (count <= limit) return all;
  const rng = rngFor(seed, 0xda7a);
  for (let i = 0; i < limit; i++) {
    const j = i + rng.int(count - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, limit).sort((a, b) => a - b);
}

/** Examples of a dataset source in the model's input space: [k * per] values. */
export async function readDataset(spec: BaselineSpec, ctx: BaselineContext): Promise<{ examples: Float32Array; count: number; total: number; source: string }> {
  const source = spec.source!;
  const limit = spec.limit ?? BASELINE_DEFAULTS.datasetLimit;
  const per = sizeOfShape(ctx.model.inputShape);
  if (!existsSync(source)) throw new BadInputError(`--baseline ${spec.text}: no such file or directory ${source}`);
  if (statSync(source).isDirectory()) {
    if (!ctx.images) throw new UsageError(`--baseline ${spec.text}: a directory of images needs image preprocessing (the model's sidecar or --size/--range flags)`);
    const files = imageFilesIn(source);
    if (files.length === 0) throw new BadInputError(`--baseline ${spec.text}: no image files in ${source}`);
    const chosen = sample(files.length, limit, ctx.seed).map((i) => files[i]);
    const { batch } = await loadImages(chosen, ctx.images);
    return { examples: batch, count: chosen.length, total: files.length, source: `${chosen.length} images in ${source}` };
  }
  if (extname(source).toLowerCase() === '.npy') {
    let data: Float32Array;
    let total: number;
    try {
      // [k, ...inputShape] exactly: a file of the right size in another shape (channels last) is refused, not reinterpreted
      ({ batch: data, count: total } = modelInputsFromNpy(readNpy(source), ctx.model.inputShape, source));
    } catch (e) {
      throw new BadInputError(`--baseline ${spec.text}: ${(e as Error).message}`);
    }
    const chosen = sample(total, limit, ctx.seed);
    const examples = new Float32Array(chosen.length * per);
    chosen.forEach((k, r) => examples.set(data.subarray(k * per, (k + 1) * per), r * per));
    return { examples, count: chosen.length, total, source: `${chosen.length} of ${total} inputs in ${basename(source)}` };
  }
  // IDX (MNIST-style) images, gzipped or not
  let idx;
  try {
    idx = readIdx(source);
  } catch (e) {
    throw new BadInputError(`--baseline ${spec.text}: ${(e as Error).message} (dataset sources: a directory of images, a .npy of model inputs, an IDX file of images)`);
  }
  if (!(idx.data instanceof Uint8Array) || idx.shape.length < 3) {
    throw new BadInputError(`--baseline ${spec.text}: ${source} is not an IDX file of 8-bit images ([n, height, width] or [n, height, width, channels])`);
  }
  const [total, h, w, c = 1] = idx.shape;
  if (h * w * c !== per) {
    throw new BadInputError(`--baseline ${spec.text}: images of ${h}x${w}x${c} in ${source} do not fit the model's input [${ctx.model.inputShape.join(', ')}]`);
  }
  const space = inputSpace(ctx.model, ctx.preprocessing);
  const [lo, hi] = space.pixelRange;
  const chosen = sample(total, limit, ctx.seed);
  const pixels = new Float32Array(chosen.length * per);
  chosen.forEach((k, r) => {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) {
        const v = lo + (idx.data[k * per + p * c + ch] / 255) * (hi - lo);
        pixels[r * per + (space.layout === 'NCHW' ? ch * h * w + p : p * c + ch)] = v;
      }
    }
  });
  return { examples: space.toModel(pixels), count: chosen.length, total, source: `${chosen.length} of ${total} images in ${basename(source)}` };
}

/** The baseline object of a spec, with its description. */
export async function buildBaseline(spec: BaselineSpec, ctx: BaselineContext): Promise<BuiltBaseline> {
  const made = await make(spec, ctx);
  return { spec, ...made };
}

async function make(spec: BaselineSpec, ctx: BaselineContext): Promise<{ baseline: Baseline; description: string }> {
  if (spec.kind !== 'dataset') return makeInMemoryBaseline(spec, ctx);
  const d = await readDataset(spec, ctx);
  const per = sizeOfShape(ctx.model.inputShape);
  // the dataset may hold the very images explained: a draw equal to the input adds nothing
  return { baseline: datasetBaseline(d.examples, per, { label: `dataset(${d.source})`, excludeInput: true }), description: `examples drawn from ${d.source}` };
}
