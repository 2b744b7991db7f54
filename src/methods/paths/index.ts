/**
 * Path methods beyond the straight line: Blur IG (a path of blurs, no baseline) and
 * Guided IG (an adaptive path). See docs/regions.md.
 */
export { blurIG, blurSigmas, BLUR_IG_OPTIONS, type BlurIGOptions, type PathAttribution } from './blurIG.js';
export { guidedIG, GUIDED_IG_OPTIONS, type GuidedIGOptions } from './guidedIG.js';
export { guidedStep, quantileLower } from './guidedStep.js';
export { gaussianFilter } from './gaussian.js';
export { geometricallyGuidedIG, GGIG_OPTIONS, type GeometricallyGuidedIGOptions, type GeometricallyGuidedIGResult } from './geometricallyGuidedIG.js';
