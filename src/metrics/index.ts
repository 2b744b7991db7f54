/**
 * Evaluation metrics: one file per metric, each exporting its library function and its
 * registry descriptor (catalog.ts lists the descriptors), plus the shared machinery.
 */
export * from './descriptor.js';
export * as metricCatalog from './catalog.js';
export { listMetrics, findMetric, getMetric } from './registry.js';
export { evaluate, metricOptionValues, spread, formatEvaluation, type Evaluation, type EvaluationRow, type EvaluateOptions, type Spread } from './evaluate.js';
export { deletionCurve, insertionCurve, auc, evenSteps, type CurveOptions, type CurveResult } from './curve.js';
export { geometry, attributionMaps, pixelUnits, maskUnits, patchMask, unitScores, rankDescending, rankAscending, randomRanking, rankUnits, type Geometry, type Units, type Order } from './features.js';
export { makeSubstrate, channelMeanImage, SUBSTRATES, type Substrate, type SubstrateName, type SubstrateOptions } from './substrate.js';
export { noisyLinearImputation, NoisyLinearImputer, type ImputationSolver } from './imputation.js';
export { metricTarget, type MetricOutput } from './target.js';
export type { MetricCall } from './common.js';
export { deletion, type CurveMetricOptions } from './deletion.js';
export { insertion } from './insertion.js';
export { pixelFlipping, type PixelFlippingOptions } from './pixelFlipping.js';
export { regionPerturbation, aopcOf, type RegionPerturbationOptions } from './regionPerturbation.js';
export { road, type RoadOptions } from './road.js';
export { irof, type IrofOptions } from './irof.js';
export { faithfulnessCorrelation, pearson, type FaithfulnessCorrelationOptions } from './faithfulnessCorrelation.js';
export { infidelity, type InfidelityOptions } from './infidelity.js';
export { topkAblation, type TopkAblationOptions } from './topkAblation.js';
export { massCentreAblation, centreOfMass, type MassCentreOptions } from './massCentreAblation.js';
export { maxSensitivity, type SensitivityOptions } from './maxSensitivity.js';
export { avgSensitivity } from './avgSensitivity.js';
export { localLipschitz } from './localLipschitz.js';
export { relativeInputStability } from './relativeInputStability.js';
export { relativeOutputStability } from './relativeOutputStability.js';
export { sparseness, gini } from './sparseness.js';
export { complexity, entropy } from './complexity.js';
export { effectiveComplexity } from './effectiveComplexity.js';
export { pointingGame } from './pointingGame.js';
export { energyPointingGame } from './energyPointingGame.js';
export { relevanceMass } from './relevanceMass.js';
export { relevanceRank } from './relevanceRank.js';
export { topkIntersection } from './topkIntersection.js';
export { sufficiency, seuclidean, type SufficiencyOptions } from './sufficiency.js';
export { fragility, topkIntersectionOf, spearman, type FragilityOptions } from './fragility.js';
