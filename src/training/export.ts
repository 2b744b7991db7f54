/**
 * A trained network (train.ts) as an ONNX model in the project's layout: input "input"
 * [N, C, H, W] pixels in [0, 1], the normalisation inside (Sub, Div), conv blocks with
 * batch norm folded into the conv (Conv, Relu, MaxPool), Flatten, Gemm -> "logits".
 * Node names (conv1, relu1, pool1, ..., fc) are the taps and the layers the sanity
 * checks randomise. Written with the graph layer's writer (graph/onnx.ts).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AttrValue, Graph } from '../graph/ir.js';
import { float32Tensor, initializerFromTensor } from '../graph/ir.js';
import { saveOnnx } from '../graph/onnx.js';
import { paramMap } from './network.js';
import { BN_EPSILON } from './tfjsForward.js';
import type { TrainedModel } from './train.js';

const ints = (value: number[]): AttrValue => ({ kind: 'ints', value });

/** An empty graph of the trainer's classifiers: input "input" [batch, ...inputShape], output "logits" [batch, classes], opset 17. */
export function classifierGraph(name: string, inputShape: readonly number[], classes: number): Graph {
  return {
    name,
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
}

export function trainedGraph(model: TrainedModel): Graph {
  const g = classifierGraph(`saliency-lab ${model.architecture.name}`, model.inputShape, model.classes);
  const init = (name: string, data: ArrayLike<number>, dims: number[]) => {
    g.initializers.set(name, initializerFromTensor(name, float32Tensor(data, dims)));
    return name;
  };
  const node = (name: string, opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output = name) => {
    g.nodes.push({ name, opType, domain: '', inputs, outputs: [output], attrs });
    return output;
  };
  const p = paramMap(model.params);
  let x = node('normalise_sub', 'Sub', ['input', init('pixel_mean', [model.normalisation.mean], [1])]);
  x = node('normalise_div', 'Div', [x, init('pixel_std', [model.normalisation.std], [1])]);
  model.architecture.channels.forEach((cout, i) => {
    const k = i + 1;
    const w = p.get(`conv${k}.weight`)!;
    const perOut = w.data.length / cout;
    const weight = w.data.slice();
    const bias = new Float32Array(cout);
    if (model.architecture.batchNorm) {
      const [gamma, beta, mean, variance] = ['gamma', 'beta', 'mean', 'var'].map((s) => p.get(`bn${k}.${s}`)!.data);
      for (let o = 0; o < cout; o++) {
        const scale = gamma[o] / Math.sqrt(variance[o] + BN_EPSILON);
        for (let j = 0; j < perOut; j++) weight[o * perOut + j] *= scale;
        bias[o] = beta[o] - mean[o] * scale;
      }
    } else bias.set(p.get(`conv${k}.bias`)!.data);
    x = node(`conv${k}`, 'Conv', [x, init(`conv${k}.weight`, weight, w.dims), init(`conv${k}.bias`, bias, [cout])], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    x = node(`relu${k}`, 'Relu', [x]);
    x = node(`pool${k}`, 'MaxPool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  });
  x = node('flatten', 'Flatten', [x], { axis: { kind: 'int', value: 1 } });
  const fw = p.get('fc.weight')!;
  node('fc', 'Gemm', [x, init('fc.weight', fw.data, fw.dims), init('fc.bias', p.get('fc.bias')!.data, [model.classes])], { transB: { kind: 'int', value: 1 } }, 'logits');
  return g;
}

/** The trained network as ONNX bytes. */
export const exportOnnx = (model: TrainedModel): Uint8Array => saveOnnx(trainedGraph(model));

/** Write model.onnx (and create its directory). */
export function writeOnnx(model: TrainedModel, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, exportOnnx(model));
}
