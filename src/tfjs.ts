/**
 * Saliency Lab for TensorFlow.js models: `import { loadTfjsModel } from 'saliency-lab/tfjs'`.
 * A separate entry point because importing TensorFlow.js costs ~0.4 s (tfjs-core,
 * layers, converter, the wasm and cpu backends); `saliency-lab` itself (ONNX) does not
 * load it. Everything else (methods, baselines, pictures) comes from 'saliency-lab'.
 */
export * from './engine/tfjs/index.js';
