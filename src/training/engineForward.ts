/**
 * The trainer network (network.ts) in training mode as an ONNX graph for the engine's
 * training session (engine/training.ts): the learned parameters are graph inputs named as
 * in network.ts, batch norm uses the batch's statistics and returns them (`bn<k>.batch_mean`,
 * `bn<k>.batch_var` [C], biased, as tf.moments and PyTorch's normalisation use them).
 *
 * Written for speed on onnxruntime (docs/engine.md, Speed): batch norm is one
 * BatchNormalization node fed with ReduceMean statistics of its input, which the gradient
 * rules recognise and differentiate in closed form; max pooling comes before the ReLU
 * (max and ReLU commute exactly, values and gradients alike: a window whose maximum is
 * <= 0 passes no gradient either way), so the ReLU and its mask run on a quarter of the values.
 */
import type { AttrValue, Graph } from '../graph/ir.js';
import { float32Tensor, initializerFromTensor, int64Tensor } from '../graph/ir.js';
import { TrainingSession } from '../engine/training.js';
import type { Architecture, Param } from './network.js';
import { classifierGraph } from './export.js';
import { BN_EPSILON } from './tfjsForward.js';
import { countCorrect, type StepResult } from './tfjsForward.js';

const ints = (value: number[]): AttrValue => ({ kind: 'ints', value });
const int = (value: number): AttrValue => ({ kind: 'int', value });
const attrFloat = (value: number): AttrValue => ({ kind: 'float', value });

export function trainingGraph(arch: Architecture, params: readonly Param[], inputShape: readonly number[], classes: number, normalisation: { mean: number; std: number }): { graph: Graph; stats: string[] } {
  const g = classifierGraph(`saliency-lab ${arch.name} (training)`, inputShape, classes);
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
  const eps = attrFloat(BN_EPSILON);
  const axes = ints([0, 2, 3]);
  const channels = constant('channels', int64Tensor([-1]));
  arch.channels.forEach((_, i) => {
    const k = i + 1;
    const conv = arch.batchNorm ? [x, `conv${k}.weight`] : [x, `conv${k}.weight`, `conv${k}.bias`];
    x = node(`conv${k}`, 'Conv', conv, { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    if (arch.batchNorm) {
      const kept = node(`bn${k}/mean_kept`, 'ReduceMean', [x], { axes, keepdims: int(1) });
      const mean = node(`bn${k}.batch_mean`, 'Reshape', [kept, channels]);
      const centred = node(`bn${k}/centred`, 'Sub', [x, kept]);
      const variance = node(`bn${k}.batch_var`, 'ReduceMean', [node(`bn${k}/squared`, 'Mul', [centred, centred])], { axes, keepdims: int(0) });
      x = node(`bn${k}`, 'BatchNormalization', [x, `bn${k}.gamma`, `bn${k}.beta`, mean, variance], { epsilon: eps });
      stats.push(mean, variance);
    }
    x = node(`pool${k}`, 'MaxPool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
    x = node(`relu${k}`, 'Relu', [x]);
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
