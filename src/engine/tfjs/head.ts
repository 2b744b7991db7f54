/**
 * The linear head of a tfjs LayersModel, for CAM (Zhou et al. 2016): the layer ->
 * GlobalAveragePooling2D (channels last) -> optional Flatten / Dropout / Reshape -> Dense
 * = the output layer, linear (or its softmax removed). Returns the Dense kernel as
 * [classes, channels]; errors name the missing piece.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { HeadShapeError, type LinearHead } from '../head.js';

const SHAPE_ONLY = new Set(['Flatten', 'Dropout', 'Reshape', 'SpatialDropout2D', 'GaussianDropout', 'AlphaDropout']);
const SHAPE = 'a conv -> GlobalAveragePooling2D -> (Flatten / Dropout) -> Dense head ending at the model output';

function onlyConsumer(layer: tfl.layers.Layer): tfl.layers.Layer {
  const users = layer.outboundNodes.map((n) => n.outboundLayer);
  if (users.length !== 1) {
    throw new HeadShapeError(`CAM needs ${SHAPE}, but layer '${layer.name}' feeds ${users.length} layers (${users.map((u) => u.getClassName()).join(', ') || 'none'})`);
  }
  return users[0];
}

/** `outputLayer` is the model's output layer; `linearOutput` whether its activation is (now) linear. */
export function findLayersHead(model: tfl.LayersModel, layerName: string, linearOutput: boolean): LinearHead {
  const layer = model.getLayer(layerName);
  const pool = layer.outboundNodes.map((n) => n.outboundLayer).find((l) => l.getClassName() === 'GlobalAveragePooling2D');
  if (!pool) {
    const users = layer.outboundNodes.map((n) => `${n.outboundLayer.getClassName()} '${n.outboundLayer.name}'`);
    throw new HeadShapeError(`CAM needs ${SHAPE}; layer '${layerName}' feeds ${users.join(', ') || 'nothing'}, not a GlobalAveragePooling2D. Use gradcam (equal to CAM up to 1/hw on such heads) for other models`);
  }
  if ((pool.getConfig() as { dataFormat?: string }).dataFormat === 'channelsFirst') throw new HeadShapeError(`CAM needs channels-last pooling; '${pool.name}' pools channels first`);
  const path = [pool.name];
  let node = onlyConsumer(pool);
  while (SHAPE_ONLY.has(node.getClassName())) {
    path.push(node.name);
    node = onlyConsumer(node);
  }
  if (node.getClassName() !== 'Dense') throw new HeadShapeError(`CAM needs ${SHAPE}; after the pooling comes ${node.getClassName()} '${node.name}', not a Dense layer`);
  path.push(node.name);
  if (node !== model.outputLayers[0]) throw new HeadShapeError(`CAM needs ${SHAPE}; Dense '${node.name}' is not the model output (something follows it)`);
  if (!linearOutput) throw new HeadShapeError(`CAM needs ${SHAPE}; Dense '${node.name}' has a non-linear activation`);
  const kernel = node.weights.find((w) => /kernel$/.test(w.originalName) || /kernel$/.test(w.name));
  if (!kernel || kernel.shape.length !== 2) throw new HeadShapeError(`CAM needs ${SHAPE}; Dense '${node.name}' has no kernel matrix`);
  const [channels, classes] = kernel.shape as [number, number];
  const data = kernel.read().dataSync() as Float32Array;
  const weights = new Float32Array(classes * channels);
  for (let k = 0; k < classes; k++) for (let c = 0; c < channels; c++) weights[k * channels + c] = data[c * classes + k];
  return { weights, classes, channels, path };
}
