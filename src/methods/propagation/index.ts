/**
 * Propagation methods: the gradient with other backward rules (graph/rules), one file each.
 */
export { guidedBackprop, descriptor as guidedBackpropDescriptor } from './guidedBackprop.js';
export { deconvnet, descriptor as deconvnetDescriptor } from './deconvnet.js';
export { propagate, type Propagated } from './propagate.js';
export { lrp, lrpRuleSetName, descriptor as lrpDescriptor, type LrpOptions, type LrpResult } from './lrp.js';
export { COMPOSITES, compositeSpec, parseLrpRule, type CompositeName, type CompositeParameters } from './composites.js';
export { deepLift, deepLiftPairs, descriptor as deepLiftDescriptor, type DeepLiftOptions, type DeepLiftResult } from './deepLift.js';
export { deepLiftShap, descriptor as deepLiftShapDescriptor, type DeepLiftShapOptions } from './deepLiftShap.js';
