/** Training inside the tool (issue 15): data, networks, the seeded trainer, ONNX export. */
export { loadFashionMnist, pixelStatistics, subsetIndices, permutation, slice, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, type Dataset } from './data.js';
export { ARCHITECTURES, architecture, initParams, type Architecture, type Param } from './network.js';
export { train, accuracy, TRAIN_DEFAULTS, TRAIN_BACKENDS, type TrainOptions, type TrainedModel, type TrainBackend, type OptimizerName } from './train.js';
export { EngineStepper, trainingGraph } from './engineForward.js';
export { trainSaliencyGuided, maskLowestSaliency, maskedKl, SALIENCY_GUIDED_DEFAULTS, type SaliencyGuidedOptions } from './saliencyGuided.js';
export { exportOnnx, writeOnnx, trainedGraph } from './export.js';
export { loadCheckpoint, saveCheckpoint, type Checkpoint, type EpochRecord } from './checkpoint.js';
