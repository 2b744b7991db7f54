/**
 * Saliency Lab: the library API (ONNX models, methods, baselines, metrics, pictures, the
 * verbs). It does not load TensorFlow.js: TensorFlow.js models come from
 * 'saliency-lab/tfjs' (src/tfjs.ts); `explain({ model: 'model.json' })` loads it on demand.
 */
export type { Model, ModelInfo, RunAsk, RunResult, GradientAsk, TapInfo, Target } from './engine/model.js';
export { loadOnnxModel, OnnxModel, openSessionCount, type OnnxModelOptions } from './engine/onnx.js';
export { classLogit, classProbability } from './targets/index.js';
export { loadOnnx, saveOnnx } from './graph/onnx.js';
export { buildGradientGraph, UnsupportedOpError, type BackwardRule, type RuleSet, GradContext } from './graph/autodiff.js';
export { gradientRules, registerRuleSet, ruleSet, supportedOps } from './graph/rules/index.js';
export { readNpy, writeNpy, parseNpy, encodeNpy } from './io/npy.js';
export { functionModel, FunctionModel, type FunctionModelSpec } from './engine/function.js';
export * from './baselines/index.js';
export * from './methods/index.js';
export * from './metrics/descriptor.js';
export { listMetrics, findMetric, getMetric, registerMetric, metricOptions, metricCost } from './metrics/registry.js';
export { catalogue, describeCatalogue, type Catalogue, type CatalogueEntry } from './app/catalogue.js';
export { SaliencyError, UsageError, BadInputError, CheckFailedError, type ErrorCode } from './errors.js';
export { relativeL2, maxAbsDiff } from './engine/numeric.js';
export * from './viz/index.js';
export { loadImage, loadImages, writePng, readPng, encodePng, pngDataUri, ImageError } from './io/image.js';
export * from './io/preprocess.js';
export { readIdx } from './io/idx.js';
export { explain, compare, demo, inspect, verify } from './cli/index.js';
export { renderReport } from './report/index.js';
export { runDataset, workerSplit, type DatasetRunOptions, type DatasetRunResult, type DatasetProgress } from './app/dataset/run.js';
export { ResultStore, readRows } from './app/dataset/store.js';
export type { RunSpec } from './app/dataset/spec.js';
export type { ResultRow } from './app/dataset/compute.js';
export type { DatasetSummary, RunSummary } from './app/dataset/summary.js';
export { openDataset, type DatasetSource, type DatasetBatch, type DatasetItem } from './io/dataset.js';
export { explainDataset, evaluateDataset, worker as datasetWorker } from './cli/dataset.js';
export { TrainingSession, type TrainingSessionOptions, type StepOutput } from './engine/training.js';
export type { ImageBox, ImageEdit, EditOptions } from './engine/model.js';
