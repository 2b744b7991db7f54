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
export { descriptor as meaningfulperturbation } from './mask/meaningfulPerturbation.js';
export { descriptor as igos } from './mask/igos.js';
export { descriptor as igospp } from './mask/igospp.js';
