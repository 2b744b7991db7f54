/**
 * Forward-only perturbation and sampling methods (no gradients: they work on any model).
 */
export { occlusion, occlusionWindows, type OcclusionOptions } from './occlusion.js';
export { featureAblation, type FeatureAblationOptions } from './featureAblation.js';
export { featurePermutation, type FeaturePermutationOptions } from './featurePermutation.js';
export { shapleySampling, type ShapleySamplingOptions } from './shapleySampling.js';
export { featuresFor, maskShape, type FeatureIndex, type FeaturesOption } from './features.js';
export { forwardStream } from './stream.js';
export { defaultPatch, gridMask } from '../../masks/grid.js';
export { kernelShap, shapleyKernelCoalition, type KernelShapOptions } from './kernelShap.js';
export { lime, limeWeight, type LimeDistance, type LimeOptions } from './lime.js';
export { weightedLeastSquares, type LinearFit } from './leastSquares.js';
export { rise, riseMask, riseDraw, type RiseDraw, type RiseOptions } from './rise.js';
export { sobolAttribution, bicubicResize, type SobolOptions } from './sobol.js';
export { sobolPoints } from './sobolSequence.js';
export { pairwiseOcclusion, type PairwiseOcclusion, type PairwiseOcclusionOptions } from './pairwiseOcclusion.js';
export { jointOcclusion, eraseRectangle, type JointOcclusion, type JointOcclusionOptions, type JointDraw, type Rect } from './jointOcclusion.js';
