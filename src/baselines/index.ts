/**
 * Baselines: one file each. A baseline is a tensor, a number, or a sampler
 * `(input, rng) -> tensor`; colours and noise are defined in pixel space and converted
 * with the preprocessing (space.ts).
 */
export { Rng, rngFor } from '../random.js';
export { inputSpace, asSpace, type InputSpace, type Layout, type Preprocessing } from '../engine/space.js';
export {
  type Baseline,
  type BaselineSampler,
  type SampleFn,
  makeSampler,
  toSampler,
  drawBaselines,
  describeBaseline,
  isRandom,
} from './baseline.js';
export { constantBaseline, pixelColour, type Colour } from './constant.js';
export { maxDistanceBaseline } from './maxDistance.js';
export { blurBaseline, blurImage, gaussianKernel, type BlurOptions } from './blur.js';
export { uniformBaseline } from './uniform.js';
export { gaussianBaseline, type GaussianBaselineOptions } from './gaussian.js';
export { datasetBaseline } from './dataset.js';
export { type DatasetBaselineOptions } from './dataset.js';
export { parseBaseline, baselineId, baselineTitle, BASELINE_KINDS, BASELINE_DEFAULTS, type BaselineSpec, type BaselineKind } from './spec.js';
export { buildBaseline, readDataset, imageFilesIn, IMAGE_EXTENSIONS, type BuiltBaseline, type BaselineContext } from './build.js';
