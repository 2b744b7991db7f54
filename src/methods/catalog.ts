/**
 * Every registered method, one line each: `export { descriptor as NAME } from './file.js';`.
 * The registry (registry.ts) orders them by family and `order`, whatever the order here.
 */
export { descriptor as occlusion } from './perturbation/occlusion.js';
export { descriptor as featureablation } from './perturbation/featureAblation.js';
export { descriptor as featurepermutation } from './perturbation/featurePermutation.js';
export { descriptor as shapleysampling } from './perturbation/shapleySampling.js';
export { descriptor as kernelshap } from './perturbation/kernelShap.js';
export { descriptor as lime } from './perturbation/lime.js';
export { descriptor as rise } from './perturbation/rise.js';
export { descriptor as sobol } from './perturbation/sobol.js';
