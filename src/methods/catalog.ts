/**
 * Every registered method, one line each: `export { descriptor as NAME } from './file.js';`.
 * The registry (registry.ts) orders them by family and `order`, whatever the order here.
 */
export { descriptor as gradient } from './gradient.js';
export { descriptor as inputxgradient } from './inputXGradient.js';
export { descriptor as smoothgrad } from './smooth.js';
export { descriptor as ig } from './integratedGradients.js';
export { descriptor as expectedgradients } from './expectedGradients.js';
export { descriptor as guidedbackprop } from './propagation/guidedBackprop.js';
export { descriptor as deconvnet } from './propagation/deconvnet.js';
export { descriptor as lrp } from './propagation/lrp.js';
export { descriptor as deeplift } from './propagation/deepLift.js';
export { descriptor as deepliftshap } from './propagation/deepLiftShap.js';
export { descriptor as blurig } from './paths/blurIG.js';
export { descriptor as guidedig } from './paths/guidedIG.js';
export { descriptor as xrai } from './regions/xrai.js';
export { descriptor as ggig } from './paths/geometricallyGuidedIG.js';
export { descriptor as cam } from './cam/cam.js';
export { descriptor as gradcam } from './cam/gradCam.js';
export { descriptor as gradcampp } from './cam/gradCamPlusPlus.js';
export { descriptor as xgradcam } from './cam/xGradCam.js';
export { descriptor as hirescam } from './cam/hiResCam.js';
export { descriptor as layercam } from './cam/layerCam.js';
export { descriptor as eigencam } from './cam/eigenCam.js';
export { descriptor as scorecam } from './cam/scoreCam.js';
export { descriptor as fullgrad } from './cam/fullGrad.js';
export { descriptor as ablationcam } from './cam/ablationCam.js';
export { descriptor as layergradientxactivation } from './cam/layerGradientXActivation.js';
export { descriptor as layerig } from './cam/layerIntegratedGradients.js';
export { descriptor as guidedgradcam } from './cam/guidedGradCam.js';
export { descriptor as occlusion } from './perturbation/occlusion.js';
export { descriptor as featureablation } from './perturbation/featureAblation.js';
export { descriptor as featurepermutation } from './perturbation/featurePermutation.js';
export { descriptor as shapleysampling } from './perturbation/shapleySampling.js';
export { descriptor as kernelshap } from './perturbation/kernelShap.js';
export { descriptor as lime } from './perturbation/lime.js';
export { descriptor as rise } from './perturbation/rise.js';
export { descriptor as sobol } from './perturbation/sobol.js';
export { descriptor as rollout } from './transformer/attentionRollout.js';
export { descriptor as chefer } from './transformer/gradientRollout.js';
export { descriptor as meaningfulperturbation } from './mask/meaningfulPerturbation.js';
export { descriptor as igos } from './mask/igos.js';
export { descriptor as igospp } from './mask/igospp.js';
