/** Trust tests that need trained models (issue 15): sanity checks (model and data randomisation), decoy and spurious-signal tests, ROAR, synthetic ground truth. */
export { decoyTest, addDecoy, patchIntensity, DECOY_DEFAULTS, DECOY_SIZES, type DecoyOptions, type DecoyResult, type DecoyMethodResult } from './decoy.js';
export { roar, roarCurves, removePixels, randomRanker, methodRanker, channelMeans, ROAR_DEFAULTS, type Ranker, type RoarPoint, type RoarOptions, type RoarRetraining } from './roar.js';
export { syntheticShapes, SHAPES } from './synthetic.js';
export { syntheticLocalisation, LOCALISATION_METRICS, type LocalisationResult } from './localisation.js';
export { sanityCheck, SANITY_DEFAULTS, SOBEL, type SanityOptions, type SanityResult, type SanityLevel, type SanityVerdict, type DataRandomisationResult } from './sanity.js';
export { trainDataRandomised, permuteLabels, DATA_RANDOMISATION_DEFAULTS, type DataRandomisationOptions, type DataRandomisedModels } from './dataRandomisation.js';
export { randomiseLayers, perturbWeights, randomisableLayers } from './randomise.js';
export { mapSimilarity, spearman, pearson, ranks, ssim, hog, hogSimilarity, sobel, type MapSimilarity } from './similarity.js';
export { ARTIFACTS, ARTIFACT_TITLES, addArtifact, drawArtifact, type ArtifactName, type ArtifactData } from './artifacts.js';
export { artifactTest, SPURIOUS_CLASS, type SpuriousArtifactResult } from './artifactTest.js';
export { spuriousMeasures, maskShare, type SpuriousMethodResult, type SpuriousInputs } from './spurious.js';
