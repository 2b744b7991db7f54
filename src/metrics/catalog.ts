/**
 * Every registered metric, one line each: `export { descriptor as NAME } from './file.js';`.
 */
export { descriptor as deletion } from './deletion.js';
export { descriptor as insertion } from './insertion.js';
export { descriptor as pixelFlipping } from './pixelFlipping.js';
export { descriptor as aopc } from './regionPerturbation.js';
export { descriptor as road } from './road.js';
export { descriptor as irof } from './irof.js';
export { descriptor as faithfulnessCorrelation } from './faithfulnessCorrelation.js';
export { descriptor as infidelity } from './infidelity.js';
export { descriptor as topkAblation } from './topkAblation.js';
export { descriptor as masscentreAblation } from './massCentreAblation.js';
export { descriptor as maxSensitivity } from './maxSensitivity.js';
export { descriptor as avgSensitivity } from './avgSensitivity.js';
export { descriptor as localLipschitz } from './localLipschitz.js';
export { descriptor as ris } from './relativeInputStability.js';
export { descriptor as ros } from './relativeOutputStability.js';
export { descriptor as sparseness } from './sparseness.js';
export { descriptor as complexity } from './complexity.js';
export { descriptor as effectiveComplexity } from './effectiveComplexity.js';
export { descriptor as pointingGame } from './pointingGame.js';
export { descriptor as energyPointingGame } from './energyPointingGame.js';
export { descriptor as relevanceMass } from './relevanceMass.js';
export { descriptor as relevanceRank } from './relevanceRank.js';
export { descriptor as topkIntersection } from './topkIntersection.js';
export { descriptor as sufficiency } from './sufficiency.js';
export { descriptor as fragility } from './fragility.js';
export { descriptor as completeness } from './completeness.js';
export { descriptor as soundness } from './soundness.js';
