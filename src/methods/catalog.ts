/**
 * Every registered method, one line each: `export { descriptor as NAME } from './file.js';`.
 * The registry (registry.ts) orders them by family and `order`, whatever the order here.
 */
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
