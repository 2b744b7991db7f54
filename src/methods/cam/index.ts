/**
 * Class activation maps and FullGrad: one layer pipeline (pipeline.ts), variants that
 * differ only in their channel weights (or layer map), layer resolution (layers.ts).
 */
export { CAM_DEFAULTS, CAM_OPTIONS, runCam, layerPass, weightedSum, finishMaps, type CamAttribution, type CamOptions, type CamNormalize, type CamVariant, type LayerValues } from './pipeline.js';
export { camLayers, resolveCamLayer, type CamLayer } from './layers.js';
export { resize, resizeBilinear, resizeNearest, minMaxInPlace, type UpsampleMode } from './resize.js';
export { cam } from './cam.js';
export { gradCam } from './gradCam.js';
export { gradCamPlusPlus } from './gradCamPlusPlus.js';
export { xGradCam } from './xGradCam.js';
export { hiResCam } from './hiResCam.js';
export { layerCam } from './layerCam.js';
export { eigenCam } from './eigenCam.js';
export { scoreCam } from './scoreCam.js';
export { fullGrad, type FullGradAttribution, type FullGradOptions, type FullGradScope } from './fullGrad.js';
export { ablationCam, ablatedScores } from './ablationCam.js';
export { layerGradientXActivation, type LayerOptions } from './layerGradientXActivation.js';
export { layerIntegratedGradients, type LayerIntegratedGradientsOptions } from './layerIntegratedGradients.js';
export { resolveLayerTap, type LayerAttribution } from './layerAttribution.js';
export { guidedGradCam } from './guidedGradCam.js';
