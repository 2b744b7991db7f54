/**
 * Attribution methods: one file each, all written against the Model contract.
 */
export {
  type Attribution,
  type CommonOptions,
  type Method,
  type TargetSpec,
  type Timings,
  attributionMeta,
  encodeAttribution,
  sumPerExample,
} from './attribution.js';
export { Runner, remapTarget } from './runner.js';
export { gradient, type GradientOptions } from './gradient.js';
export { inputXGradient } from './inputXGradient.js';
export { quadrature, legendreGauss, torchLinspace, QUADRATURES, type Quadrature, type QuadratureName } from './quadrature.js';
export {
  integratedGradients,
  type IntegratedGradientsOptions,
  type IntegratedGradientsResult,
  type AutoStepsOptions,
  type Convergence,
} from './integratedGradients.js';
export { integratedGradientsPath, type PathData, type PathOptions } from './integratedGradientsPath.js';
export { expectedGradients, type ExpectedGradientsOptions } from './expectedGradients.js';
export { smoothGrad, smoothGradXInput, type SmoothKind, type SmoothOptions } from './smooth.js';
export { averageOverBaselines, type AverageOptions } from './averageBaselines.js';
export { AUTO_START_STEPS, stepsPlan } from './integratedGradients.js';
export {
  defineMethod,
  FAMILY_ORDER,
  FAMILY_TITLES,
  type MethodDescriptor,
  type AnyMethodDescriptor,
  type MethodFamily,
  type MethodNeeds,
  type MethodContext,
  type CostContext,
  type OptionSpec,
  type OptionSchema,
  type OptionValues,
} from './descriptor.js';
export { listMethods, findMethod, getMethod, parseMethod, registerMethod, methodOptions, methodCost, methodIsRandom } from './registry.js';
export { parseOptionText, checkOptionValue, resolveOptions, defaultsOf, flagName, type ResolvedOptions } from './options.js';
