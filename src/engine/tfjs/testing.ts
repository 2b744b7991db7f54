/**
 * Small TensorFlow.js models for the tests, written to a directory as model.json +
 * weights.bin (so the file-system loader is exercised too), and finite-difference
 * helpers. Not part of the public API.
 *
 * - A Keras-style LayersModel (built with tfjs-layers) with every op family the fixes
 *   touch: a fused conv with a linear activation, batch norm, ReLU(max_value=6), a
 *   depthwise conv and a residual add, a strided conv with a fused relu, bilinear
 *   upsampling, SAME average pooling, max pooling, a dense layer with a softmax.
 * - A GraphModel written by hand in the converter's JSON: _FusedConv2D (BiasAdd + Relu6),
 *   FusedDepthwiseConv2dNative (BiasAdd, linear, explicit padding), AddV2, Mean,
 *   _FusedMatMul (BiasAdd), Softmax, Identity.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Deterministic values in [lo, hi). */
export function seededValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return out;
}

function writeModel(dir: string, modelJson: object, weights: Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'weights.bin'), weights);
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify(modelJson));
  return path;
}

export const LAYERS_INPUT: [number, number, number] = [12, 10, 3];

/** Writes the test LayersModel to `dir`; returns the model.json path. Uses the active backend. */
export async function writeTestLayersModel(dir: string): Promise<string> {
  const input = tfl.input({ shape: LAYERS_INPUT });
  let h = tfl.layers.conv2d({ name: 'stem', filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({ name: 'stem_bn' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.reLU({ name: 'stem_relu', maxValue: 6 }).apply(h) as tfl.SymbolicTensor;
  const skip = h;
  h = tfl.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.add({ name: 'residual' }).apply([h, skip]) as tfl.SymbolicTensor;
  h = tfl.layers.conv2d({ name: 'down', filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.upSampling2d({ name: 'up', size: [2, 2], interpolation: 'bilinear' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.averagePooling2d({ name: 'avg', poolSize: 3, strides: 2, padding: 'same' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ name: 'max', poolSize: 2, strides: 1, padding: 'valid' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.flatten({ name: 'flat' }).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ name: 'head', units: 5, activation: 'softmax' }).apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  // deterministic weights, and batch-norm statistics that are not the identity
  const values = model.weights.map((w, i) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    if (w.name.includes('moving_variance')) return tf.tensor(seededValues(n, 100 + i, 0.5, 2), shape);
    return tf.tensor(seededValues(n, 100 + i, -0.6, 0.6), shape);
  });
  model.setWeights(values);
  tf.dispose(values);
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  const weights = new Uint8Array(saved!.weightData as ArrayBuffer);
  const json = {
    modelTopology: saved!.modelTopology,
    format: 'layers-model',
    generatedBy: saved!.generatedBy,
    convertedBy: saved!.convertedBy,
    weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs! }],
  };
  return writeModel(dir, json, weights);
}

export const GRAPH_INPUT: [number, number, number] = [8, 7, 3];

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
const strs = (...v: string[]) => ({ list: { s: v.map(b64) } });
const float = { type: 'DT_FLOAT' };

export interface GraphWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** Writes a GraphModel (converter JSON nodes; weights become Const nodes) to `dir`; returns the model.json path. */
export function writeGraphModel(dir: string, nodes: object[], weights: GraphWeight[]): string {
  const constNode = (wt: GraphWeight) => ({
    name: wt.name,
    op: 'Const',
    attr: {
      value: { tensor: { dtype: wt.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT', tensorShape: { dim: wt.shape.map((d) => ({ size: String(d) })) } } },
      dtype: { type: wt.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' },
    },
  });
  const bytes = new Uint8Array(weights.reduce((a, wt) => a + wt.values.byteLength, 0));
  let offset = 0;
  for (const wt of weights) {
    bytes.set(new Uint8Array(wt.values.buffer, wt.values.byteOffset, wt.values.byteLength), offset);
    offset += wt.values.byteLength;
  }
  const json = {
    format: 'graph-model',
    generatedBy: 'hand-written',
    convertedBy: 'Saliency Lab tests',
    modelTopology: { node: [...weights.map(constNode), ...nodes], versions: { producer: 175 } },
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
  };
  return writeModel(dir, json, bytes);
}

export const placeholder = (name: string, shape: number[]) => ({
  name,
  op: 'Placeholder',
  attr: { dtype: float, shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } },
});

/** Writes the hand-made test GraphModel to `dir`; returns the model.json path. */
export function writeTestGraphModel(dir: string): string {
  const [h, w, c] = GRAPH_INPUT;
  const weights: GraphWeight[] = [
    { name: 'w1', shape: [3, 3, c, 4], dtype: 'float32', values: seededValues(3 * 3 * c * 4, 1, -0.5, 0.5) },
    { name: 'b1', shape: [4], dtype: 'float32', values: seededValues(4, 2, 0, 0.5) },
    { name: 'w2', shape: [3, 3, 4, 1], dtype: 'float32', values: seededValues(3 * 3 * 4, 3, -0.5, 0.5) },
    { name: 'b2', shape: [4], dtype: 'float32', values: seededValues(4, 4, -0.2, 0.2) },
    { name: 'axes', shape: [2], dtype: 'int32', values: Int32Array.from([1, 2]) },
    { name: 'w3', shape: [4, 5], dtype: 'float32', values: seededValues(20, 5, -1, 1) },
    { name: 'b3', shape: [5], dtype: 'float32', values: seededValues(5, 6, -0.1, 0.1) },
  ];
  const nodes = [
    placeholder('input', [-1, h, w, c]),
    {
      name: 'conv1', op: '_FusedConv2D', input: ['input', 'w1', 'b1'],
      attr: { T: float, strides: ints(1, 1, 1, 1), padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') }, dilations: ints(1, 1, 1, 1),
        fused_ops: strs('BiasAdd', 'Relu6'), num_args: { i: '1' }, epsilon: { f: 0 } },
    },
    {
      name: 'dw', op: 'FusedDepthwiseConv2dNative', input: ['conv1', 'w2', 'b2'],
      attr: { T: float, strides: ints(1, 1, 1, 1), padding: { s: b64('EXPLICIT') }, explicit_paddings: ints(0, 0, 1, 1, 1, 1, 0, 0),
        data_format: { s: b64('NHWC') }, dilations: ints(1, 1, 1, 1), fused_ops: strs('BiasAdd'), num_args: { i: '1' } },
    },
    { name: 'res', op: 'AddV2', input: ['dw', 'conv1'], attr: { T: float } },
    { name: 'pool', op: 'Mean', input: ['res', 'axes'], attr: { T: float, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
    {
      name: 'fc', op: '_FusedMatMul', input: ['pool', 'w3', 'b3'],
      attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false }, fused_ops: strs('BiasAdd'), num_args: { i: '1' }, epsilon: { f: 0 } },
    },
    { name: 'prob', op: 'Softmax', input: ['fc'], attr: { T: float } },
    { name: 'Identity', op: 'Identity', input: ['prob'], attr: { T: float } },
  ];
  return writeGraphModel(dir, nodes, weights);
}

/** A GraphModel whose gradient TensorFlow.js cannot compute: x [n, 6] -> exp -> cumulative product -> first 3 (Cumprod has no gradient). */
export function writeTopKGraphModel(dir: string): string {
  return writeGraphModel(dir, [
    placeholder('input', [-1, 6]),
    { name: 'e', op: 'Exp', input: ['input'], attr: { T: float } },
    // Cumprod: an op tfjs has no gradient for (TopK got one for detectors, sliceGradients.ts)
    { name: 'c', op: 'Cumprod', input: ['e', 'axis'], attr: { T: float, exclusive: { b: false }, reverse: { b: false } } },
    { name: 'top', op: 'Slice', input: ['c', 'begin', 'size'], attr: { T: float } },
  ], [
    { name: 'axis', shape: [], dtype: 'int32', values: Int32Array.from([1]) },
    { name: 'begin', shape: [2], dtype: 'int32', values: Int32Array.from([0, 0]) },
    { name: 'size', shape: [2], dtype: 'int32', values: Int32Array.from([-1, 3]) },
  ]);
}

export { relativeL2 as relL2 } from '../numeric.js';
