/**
 * The small CNNs the trainer builds: the project's Fashion-MNIST architecture
 * (scripts/train_fashion_mnist.py: conv3x3-BN-ReLU-maxpool twice, then a linear layer)
 * and variants. Parameters live in plain Float32Arrays in ONNX layout (conv weights
 * [out, in, kh, kw], linear [classes, features] over NCHW-flattened features), so
 * checkpoints, the optimiser and the ONNX export need no conversion; the TensorFlow.js
 * forward pass transposes them inside the recorded graph.
 */
import { Rng } from '../random.js';

export interface Architecture {
  name: string;
  /** Output channels of each conv3x3 block (each block halves the resolution). */
  channels: number[];
  batchNorm: boolean;
}

export const ARCHITECTURES: Record<string, Architecture> = {
  /** The project's Fashion-MNIST CNN (models/fashion-mnist). */
  fashion: { name: 'fashion', channels: [16, 32], batchNorm: true },
  /** Half the width, no batch norm: fast, for tests and quick runs. */
  small: { name: 'small', channels: [8, 16], batchNorm: false },
  /** Three blocks (28 -> 14 -> 7 -> 3). */
  deep: { name: 'deep', channels: [16, 32, 64], batchNorm: true },
};

export function architecture(name: string): Architecture {
  const a = ARCHITECTURES[name];
  if (!a) throw new Error(`unknown architecture '${name}': use one of ${Object.keys(ARCHITECTURES).join(', ')}`);
  return a;
}

export interface Param {
  name: string;
  dims: number[];
  data: Float32Array;
  /** Learned by gradient descent (false: batch-norm running statistics). */
  trainable: boolean;
}

/** Spatial size after the blocks (2x2 max-pooling, floor). */
export function featureSize(arch: Architecture, inputShape: readonly number[]): [number, number] {
  let [h, w] = [inputShape[1], inputShape[2]];
  for (let i = 0; i < arch.channels.length; i++) [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
  return [h, w];
}

/** Freshly initialised parameters (He-uniform convs, PyTorch-style linear), seeded. */
export function initParams(arch: Architecture, inputShape: readonly number[], classes: number, seed: number): Param[] {
  const rng = new Rng(seed, 0x1417);
  const params: Param[] = [];
  const uniform = (name: string, dims: number[], bound: number) => {
    const data = rng.fillUniform(new Float32Array(dims.reduce((a, b) => a * b, 1)), -bound, bound);
    params.push({ name, dims, data, trainable: true });
  };
  const constant = (name: string, n: number, value: number, trainable = true) =>
    params.push({ name, dims: [n], data: new Float32Array(n).fill(value), trainable });
  let cin = inputShape[0];
  arch.channels.forEach((cout, i) => {
    const k = i + 1;
    uniform(`conv${k}.weight`, [cout, cin, 3, 3], Math.sqrt(6 / (cin * 9)));
    if (arch.batchNorm) {
      constant(`bn${k}.gamma`, cout, 1);
      constant(`bn${k}.beta`, cout, 0);
      constant(`bn${k}.mean`, cout, 0, false);
      constant(`bn${k}.var`, cout, 1, false);
    } else constant(`conv${k}.bias`, cout, 0);
    cin = cout;
  });
  const [fh, fw] = featureSize(arch, inputShape);
  const features = cin * fh * fw;
  uniform('fc.weight', [classes, features], 1 / Math.sqrt(features));
  uniform('fc.bias', [classes], 1 / Math.sqrt(features));
  return params;
}

export function paramMap(params: readonly Param[]): Map<string, Param> {
  return new Map(params.map((p) => [p.name, p]));
}

export const cloneParams = (params: readonly Param[]): Param[] => params.map((p) => ({ ...p, dims: [...p.dims], data: p.data.slice() }));
