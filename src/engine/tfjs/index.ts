/**
 * TensorFlow.js models behind the Model contract (the public surface of engine/tfjs).
 * Importing it loads tfjs-core, tfjs-layers, tfjs-converter and the wasm and cpu
 * backends (~0.4 s) and registers the kernel fixes of kernels.ts.
 */
export { loadTfjsModel, loadNsfwjsModel, TfjsModel, type TfjsModelOptions, type TfjsSource } from './model.js';
export {
  readModelFiles,
  readNsfwjsModel,
  fileSystemHandler,
  nsfwjsModelsDirectory,
  NSFWJS_MODELS,
  NSFWJS_CLASSES,
  type NsfwjsModelName,
  type LoadedArtifacts,
  type TfjsFormat,
} from './load.js';
export { useBackend, wasmDirectory, type TfjsBackend } from './backend.js';
export { TFJS_FIXES, installTfjsFixes, type TfjsFix } from './kernels.js';
export { valueAndGradients, GradientError } from './tape.js';
export { withUnfusedOps } from './unfused.js';
export { COCO_CLASSES, HUMAN_MODELS, humanLabels, humanModelPath, loadHumanModel, type HumanModelName } from './human.js';
