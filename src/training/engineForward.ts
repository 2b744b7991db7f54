/**
 * The trainer network (network.ts) in training mode as an ONNX graph for the engine's
 * training session (engine/training.ts): the learned parameters are graph inputs named as
 * in network.ts, batch norm uses the batch's statistics (written with elementary ops, so
 * the plain gradient rules differentiate it) and returns them (`bn<k>.batch_mean`,
 * `bn<k>.batch_var`, biased, as tf.moments and PyTorch's normalisation use them).
 */
import type { AttrValue, Graph } from '../graph/ir.js';
import { float32Tensor, initializerFromTensor, int64Tensor } from '../graph/ir.js';
import { TrainingSession } from '../engine/training.js';
import type { Architecture, Param } from './network.js';
import { BN_EPSILON } from './tfjsForward.js';
import { countCorrect, type StepResult } from './tfjsForward.js';

const ints = (value: number[]): AttrValue => ({ kind: 'ints', value });
const int = (value: number): AttrValue => ({ kind: 'int', value });

export function trainingGraph(arch: Architecture, params: readonly Param[], inputShape: readonly number[], classes: number, normalisation: { mean: number; std: number }): { graph: Graph; stats: string[] } {
  const g: Graph = {
    name: `saliency-lab ${arch.name} (training)`,
    nodes: [],
    inputs: [{ name: 'input', dtype: 'float32', shape: ['batch', ...inputShape] }],
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', classes] }],
    initializers: new Map(),
    valueInfo: new Map(),
    opset: 17,
    otherOpsets: {},
    irVersion: 8,
    producer: 'saliency-lab train',
  };
  for (const p of params) if (p.trainable) g.inputs.push({ name: p.name, dtype: 'float32', shape: [...p.dims] });
  const constant = (name: string, t: ReturnType<typeof float32Tensor>) => {
    g.initializers.set(name, initializerFromTensor(name, t));
    return name;
  };
  const node = (name: string, opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}) => {
    g.nodes.push({ name, opType, domain: '', inputs, outputs: [name], attrs });
    return name;
  };
  const stats: string[] = [];
  let x = node('normalise_sub', 'Sub', ['input', constant('pixel_mean', float32Tensor([normalisation.mean], [1]))]);
  x = node('normalise_div', 'Div', [x, constant('pixel_std', float32Tensor([normalisation.std], [1]))]);
  const channelShape = constant('channel_shape', int64Tensor([1, -1, 1, 1]));
  const eps = constant('bn_epsilon', float32Tensor([BN_EPSILON], []));
  arch.channels.forEach((_, i) => {
    const k = i + 1;
    const conv = arch.batchNorm ? [x, `conv${k}.weight`] : [x, `conv${k}.weight`, `conv${k}.bias`];
    x = node(`conv${k}`, 'Conv', conv, { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    if (arch.batchNorm) {
      const mean = node(`bn${k}.batch_mean`, 'ReduceMean', [x], { axes: ints([0, 2, 3]), keepdims: int(1) });
      const centred = node(`bn${k}/centred`, 'Sub', [x, mean]);
      const variance = node(`bn${k}.batch_var`, 'ReduceMean', [node(`bn${k}/squared`, 'Mul', [centred, centred])], { axes: ints([0, 2, 3]), keepdims: int(1) });
      const std = node(`bn${k}/std`, 'Sqrt', [node(`bn${k}/var_eps`, 'Add', [variance, eps])]);
      const gamma = node(`bn${k}/gamma`, 'Reshape', [`bn${k}.gamma`, channelShape]);
      const beta = node(`bn${k}/beta`, 'Reshape', [`bn${k}.beta`, channelShape]);
      x = node(`bn${k}`, 'Add', [node(`bn${k}/scaled`, 'Mul', [node(`bn${k}/normalised`, 'Div', [centred, std]), gamma]), beta]);
      stats.push(mean, variance);
    }
    x = node(`relu${k}`, 'Relu', [x]);
    x = node(`pool${k}`, 'MaxPool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  });
  x = node('flatten', 'Flatten', [x], { axis: int(1) });
  g.nodes.push({ name: 'fc', opType: 'Gemm', domain: '', inputs: [x, 'fc.weight', 'fc.bias'], outputs: ['logits'], attrs: { transB: int(1) } });
  return { graph: g, stats };
}

/** Training steps on the engine: loss, weight gradients and batch statistics of a batch of pixels [n, c, h, w] in [0, 1]. */
export class EngineStepper {
  private readonly session: TrainingSession;
  private readonly stats: string[];
  private readonly trainable: Param[];

  constructor(
    arch: Architecture,
    params: readonly Param[],
    inputShape: readonly number[],
    private readonly classes: number,
    normalisation: { mean: number; std: number },
    threads?: number,
  ) {
    const { graph, stats } = trainingGraph(arch, params, inputShape, classes, normalisation);
    this.stats = stats;
    this.trainable = params.filter((p) => p.trainable);
    this.session = new TrainingSession(graph, { params: this.trainable.map((p) => p.name), classes, outputs: stats, threads });
  }

  async step(pixels: Float32Array, labels: Int32Array): Promise<StepResult> {
    const out = await this.session.step(pixels, labels, this.trainable.map((p) => p.data));
    return { loss: out.loss, correct: countCorrect(out.logits, labels, this.classes), gradients: out.gradients, stats: this.stats.map((s) => out.outputs[s]) };
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
