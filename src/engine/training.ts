/**
 * Training on the engine's own backward graph: a forward graph (one image input, a logits
 * output [n, classes]) becomes a graph that takes the learned parameters and one-hot labels
 * as inputs and returns the mean softmax cross-entropy, its gradient with respect to every
 * parameter (graph/autodiff, the same rules the attribution methods use) and any forward
 * tensors asked for (e.g. batch-norm batch statistics). Parameters are fed each step, so
 * an optimiser in TypeScript updates them without rebuilding the session. One compiled
 * session per batch size, released by dispose().
 */
import * as ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import type { Graph, Node } from '../graph/ir.js';
import { float32Tensor, initializerFromTensor, int64Tensor } from '../graph/ir.js';
import { saveOnnx } from '../graph/onnx.js';
import { inferShapes } from '../graph/shapes.js';
import { buildGradientGraph } from '../graph/autodiff.js';
import { gradientRules } from '../graph/rules/index.js';
import { countSession, releaseSessions } from './onnxRuntimeModel.js';

export interface TrainingSessionOptions {
  /** Names of the learned tensors: initializers (their values are then only the shapes) or graph inputs. */
  params: string[];
  /** Number of classes of the logits output. */
  classes: number;
  /** Forward tensors returned by every step besides the loss and the logits. */
  outputs?: string[];
  /** onnxruntime intra-op threads (default: the machine's cores). Results are reproducible for a given count. */
  threads?: number;
}

export interface StepOutput {
  /** Mean softmax cross-entropy over the batch. */
  loss: number;
  logits: Float32Array;
  /** d loss / d parameter, in the order of `params`. */
  gradients: Float32Array[];
  /** The requested forward tensors. */
  outputs: Record<string, Float32Array>;
}

const LABELS = 'training/labels';
const LOSS = 'training/loss';

interface Compiled {
  session: ort.InferenceSession;
  seed: string;
  grads: string[];
}

export class TrainingSession {
  private readonly sessions = new Map<number, Promise<Compiled>>();
  private readonly paramShapes: number[][];
  private readonly imageShape: number[];
  private readonly inputName: string;
  private readonly logitsName: string;
  private disposed = false;

  constructor(
    private readonly forward: Graph,
    private readonly options: TrainingSessionOptions,
  ) {
    const images = forward.inputs.filter((i) => !options.params.includes(i.name));
    if (images.length !== 1) throw new Error(`a training graph needs exactly one input besides the parameters; found ${images.map((i) => i.name).join(', ') || 'none'}`);
    this.inputName = images[0].name;
    const shape = images[0].shape?.slice(1);
    if (!shape || !shape.every((d) => typeof d === 'number')) throw new Error(`the training input '${this.inputName}' needs a static shape after the batch axis`);
    this.imageShape = shape as number[];
    this.logitsName = forward.outputs[0].name;
    this.paramShapes = options.params.map((p) => {
      const init = forward.initializers.get(p);
      const input = forward.inputs.find((i) => i.name === p);
      const dims = init?.dims ?? input?.shape;
      if (!dims || !dims.every((d) => typeof d === 'number')) throw new Error(`no parameter '${p}' with a static shape in the training graph`);
      return dims as number[];
    });
  }

  /** The loss and its gradients for a batch of images [n, ...imageShape] with integer labels. */
  async step(images: Float32Array, labels: ArrayLike<number>, params: readonly Float32Array[]): Promise<StepOutput> {
    const n = labels.length;
    const c = this.options.classes;
    const oneHot = new Float32Array(n * c);
    for (let i = 0; i < n; i++) {
      if (!(labels[i] >= 0 && labels[i] < c)) throw new Error(`label ${labels[i]} of example ${i} is outside 0..${c - 1}`);
      oneHot[i * c + labels[i]] = 1;
    }
    const compiled = await this.compile(n);
    const feeds: Record<string, ort.Tensor> = {
      [this.inputName]: new ort.Tensor('float32', images, [n, ...this.imageShape]),
      [LABELS]: new ort.Tensor('float32', oneHot, [n, c]),
      [compiled.seed]: new ort.Tensor('float32', Float32Array.of(1), []),
    };
    this.options.params.forEach((p, k) => (feeds[p] = new ort.Tensor('float32', params[k], this.paramShapes[k])));
    const out = await compiled.session.run(feeds);
    const data = (name: string) => out[name].data as Float32Array;
    return {
      loss: data(LOSS)[0],
      logits: data(this.logitsName),
      gradients: compiled.grads.map(data),
      outputs: Object.fromEntries((this.options.outputs ?? []).map((o) => [o, data(o)])),
    };
  }

  private compile(n: number): Promise<Compiled> {
    if (this.disposed) throw new Error('this training session has been disposed');
    let hit = this.sessions.get(n);
    if (!hit) {
      hit = this.build(n);
      this.sessions.set(n, hit);
    }
    return hit;
  }

  private async build(n: number): Promise<Compiled> {
    const { params, classes } = this.options;
    const graph: Graph = {
      ...this.forward,
      nodes: [...this.forward.nodes],
      initializers: new Map(this.forward.initializers),
      inputs: [...this.forward.inputs],
      outputs: [...this.forward.outputs],
    };
    params.forEach((p, k) => {
      if (!graph.initializers.delete(p)) return;
      graph.inputs.push({ name: p, dtype: 'float32', shape: this.paramShapes[k] });
    });
    graph.inputs.push({ name: LABELS, dtype: 'float32', shape: [n, classes] });
    // loss = -sum(onehot * log_softmax(logits)) / n
    const add = (name: string, opType: string, inputs: string[], attrs: Node['attrs'] = {}) =>
      graph.nodes.push({ name, opType, domain: '', inputs, outputs: [name], attrs });
    graph.initializers.set('training/axes', initializerFromTensor('training/axes', int64Tensor([0, 1])));
    graph.initializers.set('training/scale', initializerFromTensor('training/scale', float32Tensor([-1 / n], [])));
    add('training/log_softmax', 'LogSoftmax', [this.logitsName], { axis: { kind: 'int', value: 1 } });
    add('training/picked', 'Mul', ['training/log_softmax', LABELS]);
    add('training/sum', 'ReduceSum', ['training/picked', 'training/axes'], { keepdims: { kind: 'int', value: 0 } });
    add(LOSS, 'Mul', ['training/sum', 'training/scale']);
    const shapes: Record<string, number[]> = { [this.inputName]: [n, ...this.imageShape], [LABELS]: [n, classes] };
    params.forEach((p, k) => (shapes[p] = this.paramShapes[k]));
    const info = inferShapes(graph, shapes);
    const built = buildGradientGraph(graph, info, {
      outputs: [LOSS, this.logitsName, ...(this.options.outputs ?? [])],
      seeds: [LOSS],
      wrt: params,
      rules: gradientRules,
    });
    const session = await ort.InferenceSession.create(saveOnnx(built.graph), {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: this.options.threads ?? availableParallelism(),
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    countSession(1);
    return { session, seed: built.seedInputs[LOSS], grads: params.map((p) => built.gradOutputs[p]) };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await releaseSessions(this.sessions);
  }
}
