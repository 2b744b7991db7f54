/** Mask optimisation and attention graphs (issue 13): the public library functions. */
export { meaningfulPerturbation, type MeaningfulPerturbationOptions } from './meaningfulPerturbation.js';
export { igos, type IgosOptions } from './igos.js';
export { igospp, type IgosppOptions } from './igospp.js';
export type { MaskAttribution, MaskOptions } from './common.js';
export { Upsampler } from './upsample.js';
export { structuredAttentionGraph, SAG_DEFAULTS, type SagGraph, type SagNode, type SagOptions } from './sag.js';
export { diverseRoots } from './sagSubsets.js';
export { sagImageStats, sagDatasetStats, type SagImageStats, type SagDatasetStats } from './sagStats.js';
