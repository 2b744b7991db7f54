/**
 * TensorFlow.js models (LayersModel and GraphModel) behind the Model contract, on the
 * tfjs wasm backend (cpu as fallback) in Node.
 *
 *   const model = await loadTfjsModel('path/to/model.json');          // or a directory
 *   const nsfw = await loadNsfwjsModel('mobilenet_v2');                // bundled with nsfwjs
 *   await model.run(x, { gradients: { seed: classLogit(2, 5), wrt: ['input', 'block_16_project'] } });
 *
 * - Inputs are laid out as the model takes them (NHWC for image models) unless
 *   `layout: 'NCHW'` is given, which transposes at the boundary.
 * - A final softmax is removed (LayersModel: the output layer's activation or a Softmax
 *   layer; GraphModel: a Softmax node before the output), so 'logits' are logits and
 *   classProbability applies the softmax itself. `keepSoftmax: true` keeps it.
 * - Taps: layer names (LayersModel) or node names (GraphModel); see taps.ts.
 * - Tap overrides (`RunAsk.overrides`: Ablation-CAM, layer IG) on both kinds; 'bias:<layer>'
 *   gradients (FullGrad: Conv, Dense and BatchNormalization's implicit bias, taken before
 *   the layer's activation) and the linear head (CAM) on LayersModels.
 * - Backward rules: the plain gradient, guided backprop and deconvnet (rules.ts, by swapping the
 *   ReLU-like kernels' gradients); LRP and DeepLIFT need the ONNX engine.
 * - Batching: gradients are computed `batchSize` examples at a time. Left automatic, the
 *   first gradient request of each kind runs one example first: it checks that every op
 *   on the path has a gradient (a failing gradient otherwise strands memory: the wasm
 *   heap never shrinks) and measures the peak memory per example, from which the batch
 *   size is chosen to fit `memoryBudgetMB` (the wasm heap is capped at 4 GB; MobileNetV2
 *   at 224 needs ~230 MB per example).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Model, ModelInfo, RunAsk, RunResult, TapInfo, Target } from '../model.js';
import { countExamples, sizeOfShape } from '../model.js';
import { useBackend, type TfjsBackend } from './backend.js';
import { readModelFiles, readNsfwjsModel, NSFWJS_MODELS, type LoadedArtifacts, type NsfwjsModelName } from './load.js';
import { GraphRunner, LayersRunner, type Runner } from './taps.js';
import { unfuseGraphTopology } from './unfused.js';
import { valueAndGradients, GradientError } from './tape.js';
import { checkRequest } from '../request.js';
import type { LinearHead } from '../head.js';
import { withBackwardRule } from './rules.js';

export interface TfjsModelOptions {
  /** 'wasm' (default; SIMD, one thread) or 'cpu' (pure JS, ~15x slower). */
  backend?: TfjsBackend;
  /**
   * Examples per tfjs call. Default: 16 for forward passes; for gradients, as many as fit
   * `memoryBudgetMB` (measured on a one-example dry run), at most 32. A fixed batch size
   * is lowered for gradients where it would not fit the 4 GB wasm heap.
   */
  batchSize?: number;
  /** Memory one gradient batch may use, in MB. Default 2048 (the wasm heap caps at 4096). */
  memoryBudgetMB?: number;
  /** One example in the model's own layout, when the model leaves dimensions open. */
  inputShape?: number[];
  /** Valid input values (after preprocessing), used by baselines. */
  inputRange?: [number, number];
  /** Keep a final softmax (explain probabilities as the model outputs them). Default false. */
  keepSoftmax?: boolean;
  /** A GraphModel with several outputs: the one explained (its node name, e.g. 'tower_0/detections'). */
  output?: string;
  /** How batches passed to run() are laid out: the model's own ('NHWC', default) or 'NCHW'. */
  layout?: 'NHWC' | 'NCHW';
}

/** A model.json path, a directory holding model.json, 'nsfwjs:<name>', or artifacts already read. */
export type TfjsSource = string | LoadedArtifacts;

const HEAP_LIMIT_MB = 4096;
const MAX_AUTO_BATCH = 32;

/** A run() request, names resolved. */
interface Plan {
  logits: boolean;
  /** Taps wanted as forward values: result key (the name asked for) and tap name. */
  outputs: Array<{ key: string; tap: string }>;
  seed?: Target | Float32Array;
  /** The name 'input' was asked by, when its gradient is wanted. */
  wrtInput?: string;
  wrtTaps: Array<{ key: string; tap: string }>;
  /** 'bias:<layer>' gradients wanted (times the bias): result key and layer. */
  wrtBiases: Array<{ key: string; node: string; bias: Float32Array }>;
  /** Taps whose values are replaced, with the values for all n examples. */
  overrides: Array<{ tap: string; values: Float32Array }>;
  /** Backward rule set: 'gradient', 'guided' or 'deconvnet'. */
  rule: string;
}

export async function loadTfjsModel(source: TfjsSource, options: TfjsModelOptions = {}): Promise<TfjsModel> {
  let loaded: LoadedArtifacts;
  if (typeof source === 'string') {
    const nsfw = /^nsfwjs:(.+)$/.exec(source);
    if (nsfw) {
      if (!(NSFWJS_MODELS as readonly string[]).includes(nsfw[1])) {
        throw new Error(`nsfwjs has no model '${nsfw[1]}'; it bundles ${NSFWJS_MODELS.join(', ')}`);
      }
      return loadNsfwjsModel(nsfw[1] as NsfwjsModelName, options);
    }
    let path = source;
    try {
      if (statSync(path).isDirectory()) path = join(path, 'model.json');
    } catch {
      throw new Error(`no tfjs model at ${source} (expected a model.json file or a directory holding one)`);
    }
    loaded = await readModelFiles(path);
  } else {
    loaded = source;
  }
  const backend = options.backend ?? 'wasm';
  await useBackend(backend);
  let runner: Runner;
  if (loaded.format === 'layers') {
    const layers = await tfl.loadLayersModel(tf.io.fromMemory(loaded.artifacts));
    try {
      runner = new LayersRunner(layers, options);
    } catch (e) {
      layers.dispose();
      throw e;
    }
  } else {
    const original = loaded.artifacts.modelTopology as { node?: Array<{ name: string; op: string; input?: string[] }> };
    const { topology, renamed } = unfuseGraphTopology(original);
    const graph = await loadGraphModel(tf.io.fromMemory({ ...loaded.artifacts, modelTopology: topology }));
    try {
      runner = new GraphRunner(graph, topology.node ?? [], renamed, options);
    } catch (e) {
      graph.dispose();
      throw e;
    }
  }
  try {
    const model = new TfjsModel(runner, options, loaded.source);
    await model.probeShapes();
    return model;
  } catch (e) {
    runner.dispose();
    throw e;
  }
}

/** A model bundled with the nsfwjs package (inputs: RGB in [0, 1], NHWC; 5 classes). */
export async function loadNsfwjsModel(name: NsfwjsModelName, options: TfjsModelOptions = {}): Promise<TfjsModel> {
  return loadTfjsModel(readNsfwjsModel(name), { inputRange: [0, 1], ...options });
}

export class TfjsModel implements Model {
  readonly format: 'tfjs-layers' | 'tfjs-graph';
  readonly backend: TfjsBackend;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[] = [];
  readonly inputRange?: readonly [number, number];
  readonly taps: readonly string[];
  onProgress?: (examples: number) => void;
  /** One example as the model takes it (NHWC for image models). */
  readonly nativeInputShape: readonly number[];
  private readonly layout: 'NHWC' | 'NCHW';
  private readonly tapShapes = new Map<string, number[]>();
  /** Output shape of each layer with a bias. */
  private readonly biasShapes = new Map<string, number[]>();
  /** Gradient batch size per request kind, settled by the dry run. */
  private readonly gradientBatch = new Map<string, number>();
  private readonly failedKernels = new Set<string>();
  private disposed = false;

  constructor(
    private readonly runner: Runner,
    private readonly options: TfjsModelOptions,
    readonly source: string,
  ) {
    this.format = runner.kind === 'layers' ? 'tfjs-layers' : 'tfjs-graph';
    this.backend = options.backend ?? 'wasm';
    const declared = runner.declaredInputShape;
    let shape = declared;
    if (options.inputShape) {
      const given = options.inputShape;
      // an input of unknown rank (declared []) takes any shape
      const fits = declared.length === 0 || (given.length === declared.length && given.every((d, i) => declared[i] === -1 || declared[i] === d));
      if (!fits) throw new Error(`inputShape [${given.join(', ')}] does not fit the model input [${declared.join(', ')}] (one example, the model's own layout)`);
      shape = given;
    }
    if (shape.length === 0 || shape.some((d) => !(d > 0))) {
      throw new Error(`the model input '${runner.inputName}' has shape [${declared.join(', ')}] with open dimensions; pass inputShape (one example, e.g. [224, 224, 3])`);
    }
    this.nativeInputShape = [...shape];
    this.layout = options.layout ?? 'NHWC';
    if (this.layout === 'NCHW') {
      if (shape.length !== 3) throw new Error(`layout 'NCHW' needs image inputs (one example of rank 3); this one is [${shape.join(', ')}]`);
      this.inputShape = [shape[2], shape[0], shape[1]];
    } else {
      this.inputShape = [...shape];
    }
    if (options.inputRange) this.inputRange = options.inputRange;
    this.taps = runner.taps.map((t) => t.name);
  }

  /** Output and tap shapes, from one forward pass of a zero example. */
  async probeShapes(): Promise<void> {
    await useBackend(this.backend);
    tf.tidy(() => {
      const x = tf.zeros([1, ...this.nativeInputShape]);
      const biasLayers = (this.runner.biases ?? []).map((b) => b.node);
      const { logits, captured } = this.runner.forward(x, { probes: new Map(), capture: new Set([...this.taps, ...biasLayers]) });
      (this as { outputShape: readonly number[] }).outputShape = logits.shape.slice(1);
      for (const b of biasLayers) this.biasShapes.set(b, captured.get(b)?.shape.slice(1) ?? logits.shape.slice(1));
      for (const [name, t] of captured) {
        if (this.taps.includes(name)) this.tapShapes.set(name, t.shape.slice(1));
        t.dispose();
      }
    });
  }

  /**
   * 'input', 'logits', or a tap: a layer or node name, or (GraphModel node names being
   * long) a unique '/'-separated suffix of one, e.g. 'MobilenetV2/Conv_1/Relu6'.
   */
  private resolve(name: string): { kind: 'input' | 'logits' | 'tap' | 'bias'; tap: string } {
    if (name === 'input' || name === this.runner.inputName) return { kind: 'input', tap: '' };
    if (name.startsWith('bias:')) {
      const node = name.slice('bias:'.length);
      if (this.biasShapes.has(node)) return { kind: 'bias', tap: node };
      const known = (this.runner.biases ?? []).map((b) => b.node);
      throw new Error(
        known.length
          ? `'${node}' is not a layer with a bias; layers with one: ${known.slice(0, 6).join(', ')}${known.length > 6 ? ', ...' : ''}`
          : `this ${this.format} model exposes no bias gradients ('bias:<layer>' works on LayersModels)`,
      );
    }
    if (name === 'logits') return { kind: 'logits', tap: '' };
    if (this.tapShapes.has(name)) return { kind: 'tap', tap: name };
    const bySuffix = this.taps.filter((t) => t.endsWith(`/${name}`));
    if (bySuffix.length === 1) return { kind: 'tap', tap: bySuffix[0] };
    const what = this.format === 'tfjs-layers' ? 'layer' : 'node';
    if (bySuffix.length > 1) throw new Error(`'${name}' ends ${bySuffix.length} ${what} names (${bySuffix.slice(0, 3).join(', ')}, ...); give more of the name`);
    throw new Error(`no tap named '${name}' in the model; \`saliency inspect\` lists the taps (${what} names)`);
  }

  shapeOf(name: string): readonly number[] {
    const r = this.resolve(name);
    if (r.kind === 'input') return [...this.inputShape];
    if (r.kind === 'logits') return [...this.outputShape];
    if (r.kind === 'bias') return [...this.biasShapes.get(r.tap)!];
    return [...this.tapShapes.get(r.tap)!];
  }

  inspect(): ModelInfo {
    const taps: TapInfo[] = this.runner.taps.map((t) => ({ name: t.name, node: t.node, opType: t.opType, shape: [...(this.tapShapes.get(t.name) ?? [])] }));
    return {
      format: this.format,
      inputName: this.runner.inputName,
      inputShape: [...this.inputShape],
      outputName: this.runner.strippedSoftmax ? `${this.runner.outputName} (before its softmax)` : this.runner.outputName,
      outputShape: [...this.outputShape],
      producer: `TensorFlow.js ${this.format === 'tfjs-layers' ? 'LayersModel' : 'GraphModel'} (${this.source}; ${this.backend} backend)`,
      ops: { ...this.runner.ops },
      opsWithoutGradient: [...this.failedKernels].sort(),
      ...(this.runner.biases ? { biases: this.runner.biases.map((b) => ({ node: b.node, tensor: b.node, channels: b.bias.length })) } : {}),
      taps,
      ...(this.runner.outputs && this.runner.outputs.length > 1
        ? { outputNames: this.runner.outputs.map((o) => o.name), outputShapes: this.runner.outputs.map((o) => o.shape && [...o.shape]) }
        : {}),
    };
  }

  async run(batch: Float32Array, ask: RunAsk): Promise<RunResult> {
    if (this.disposed) throw new Error('this model has been disposed');
    const n = checkRequest(batch, this.inputShape, this.outputShape, ask);
    const plan: Plan = { logits: false, outputs: [], wrtTaps: [], wrtBiases: [], overrides: [], rule: 'gradient' };
    for (const [name, values] of Object.entries(ask.overrides ?? {})) {
      const r = this.resolve(name);
      if (r.kind !== 'tap') throw new Error(`overrides replace taps; '${name}' is not one`);
      const shape = this.tapShapes.get(r.tap)!;
      if (values.length !== n * sizeOfShape(shape)) throw new Error(`the override of '${name}' holds ${values.length} values; expected ${n} x [${shape.join(', ')}]`);
      plan.overrides.push({ tap: r.tap, values });
    }
    for (const o of new Set(ask.outputs ?? [])) {
      const r = this.resolve(o);
      if (r.kind === 'input') throw new Error(`'${o}' is the input, not an output; ask for 'logits' or tap names`);
      if (r.kind === 'bias') throw new Error(`'${o}' is a bias gradient; ask for it in gradients.wrt`);
      if (r.kind === 'logits') plan.logits = true;
      else plan.outputs.push({ key: o, tap: r.tap });
    }
    const g = ask.gradients;
    const outSize = sizeOfShape(this.outputShape);
    if (g) {
      for (const w of new Set(g.wrt)) {
        const r = this.resolve(w);
        if (r.kind === 'logits') throw new Error("the gradient with respect to 'logits' is the seed itself; ask for 'input' or a tap");
        if (r.kind === 'input') plan.wrtInput = w;
        else if (r.kind === 'bias') plan.wrtBiases.push({ key: w, node: r.tap, bias: this.runner.biases!.find((b) => b.node === r.tap)!.bias });
        else plan.wrtTaps.push({ key: w, tap: r.tap });
      }
      plan.rule = g.rule ?? 'gradient';
      withBackwardRule(plan.rule, () => undefined); // refuses rules tfjs cannot apply, before any work
      plan.seed = g.seed;
    }

    await useBackend(this.backend);
    const per = sizeOfShape(this.inputShape);
    let size = this.options.batchSize ?? 16;
    const result: RunResult = {};
    let first = 0;
    if (g) {
      const key = JSON.stringify([
        plan.wrtInput !== undefined,
        plan.wrtTaps.map((t) => t.tap).sort(),
        plan.wrtBiases.map((b) => b.node).sort(),
        plan.outputs.map((o) => o.tap).sort(),
        plan.overrides.map((o) => o.tap).sort(),
      ]);
      if (!this.gradientBatch.has(key)) {
        // the dry run explains example 0 for real
        this.gradientBatch.set(key, await this.dryRun(batch.subarray(0, per), n, plan, result));
        first = 1;
        this.onProgress?.(1);
      }
      size = this.gradientBatch.get(key)!;
    }
    for (let start = first; start < n; start += size) {
      if (start > first) await useBackend(this.backend); // another model may have switched backends meanwhile
      const m = Math.min(size, n - start);
      this.runChunk(batch.subarray(start * per, (start + m) * per), m, start, n, plan, result);
      this.onProgress?.(m);
    }
    return result;
  }

  /** The GAP + linear head fed by a layer, for CAM (LayersModel: layers; GraphModel: its topology); throws naming what is missing. */
  linearHead(layer: string): LinearHead {
    const r = this.resolve(layer);
    if (r.kind !== 'tap') throw new Error(`'${layer}' is not a layer of the model`);
    return this.runner.linearHead(r.tap);
  }

  /**
   * Forward values (the logits) with `offset` added to a tap's value: a what-if on inner
   * activations, and the finite-difference check of tap gradients.
   */
  async logitsWithTapOffset(batch: Float32Array, tap: string, offset: Float32Array): Promise<Float32Array> {
    if (this.disposed) throw new Error('this model has been disposed');
    const n = countExamples(batch, this.inputShape);
    const r = this.resolve(tap);
    if (r.kind !== 'tap') throw new Error(`'${tap}' is not a tap`);
    const name = r.tap;
    const shape = this.tapShapes.get(name)!;
    if (offset.length !== n * sizeOfShape(shape)) {
      throw new Error(`the offset holds ${offset.length} values; expected ${n} x [${shape.join(', ')}]`);
    }
    await useBackend(this.backend);
    return tf.tidy(() => {
      const probes = new Map([[name, tf.tensor(offset, [n, ...shape])]]);
      const { logits } = this.runner.forward(this.toNative(batch, n), { probes, capture: new Set() });
      return logits.dataSync() as Float32Array;
    });
  }

  /**
   * One example through the whole request: checks every op on the gradient path and
   * measures the memory it takes. Returns the batch size to use.
   */
  private async dryRun(example: Float32Array, n: number, plan: Plan, result: RunResult): Promise<number> {
    const before = tf.memory().numBytes;
    let info: Awaited<ReturnType<typeof tf.profile>>;
    try {
      info = await tf.profile(() => {
        this.runChunk(example, 1, 0, n, plan, result);
      });
    } catch (e) {
      tf.engine().state.profiling = false; // tf.profile leaves profiling on when its query throws
      if (e instanceof GradientError && e.kernel) this.failedKernels.add(e.kernel);
      throw e;
    }
    const perExampleMB = Math.max(1, (info.peakBytes - before) / 2 ** 20);
    if (this.options.batchSize) {
      // a fixed batch size, capped where a gradient batch would not fit the wasm heap
      const fit = this.backend === 'wasm' ? Math.max(1, Math.floor((HEAP_LIMIT_MB * 0.75) / perExampleMB)) : Infinity;
      return Math.min(this.options.batchSize, fit);
    }
    const budget = this.options.memoryBudgetMB ?? 2048;
    return Math.max(1, Math.min(MAX_AUTO_BATCH, Math.floor(budget / perExampleMB)));
  }

  /** Examples [start, start + m) of n: synchronous, everything inside one tf.tidy. */
  private runChunk(chunk: Float32Array, m: number, start: number, n: number, plan: Plan, result: RunResult): void {
    const outSize = sizeOfShape(this.outputShape);
    const put = (key: string, data: Float32Array) => {
      const perExample = data.length / m;
      const dest = (result[key] ??= new Float32Array(n * perExample));
      dest.set(data, start * perExample);
    };
    const captured = new Map<string, Tensor>();
    const capture = new Set(plan.outputs.map((o) => o.tap));
    try {
      tf.tidy(() => {
        const x = this.toNative(chunk, m);
        const overrides = new Map(
          plan.overrides.map(({ tap, values }) => {
            const shape = this.tapShapes.get(tap)!;
            const size = sizeOfShape(shape);
            return [tap, tf.tensor(values.subarray(start * size, (start + m) * size), [m, ...shape])];
          }),
        );
        if (!plan.seed) {
          const out = this.runner.forward(x, { probes: new Map(), capture, overrides });
          for (const [k, v] of out.captured) captured.set(k, v);
          if (plan.logits) put('logits', out.logits.dataSync() as Float32Array);
          return;
        }
        const seed = plan.seed;
        const target = seed instanceof Float32Array ? undefined : seed;
        const probes = new Map(plan.wrtTaps.map(({ tap }) => [tap, tf.zeros([m, ...this.tapShapes.get(tap)!])]));
        for (const { node } of plan.wrtBiases) probes.set(`bias:${node}`, tf.zeros([m, ...this.biasShapes.get(node)!]));
        const xs: Tensor[] = [];
        if (plan.wrtInput !== undefined) xs.push(x);
        xs.push(...probes.values());
        const f = (): Tensor => {
          const out = this.runner.forward(x, { probes, capture, overrides });
          for (const [k, v] of out.captured) captured.set(k, v);
          return target?.dependsOnOutput ? seedFromOutput(out.logits, target, start, outSize) : out.logits;
        };
        let dy: Tensor;
        if (!target) dy = tf.tensor((seed as Float32Array).slice(start * outSize, (start + m) * outSize), [m, ...this.outputShape]);
        else if (target.dependsOnOutput) dy = tf.ones([m, ...this.outputShape]);
        else dy = tf.tensor(cotangents(undefined, target, start, m, outSize), [m, ...this.outputShape]);
        const { value, grads } = withBackwardRule(plan.rule, () => valueAndGradients(f, xs, dy));
        const logits = value.dataSync() as Float32Array;
        if (plan.logits) put('logits', logits);
        if (target) {
          const values = new Float32Array(m);
          for (let i = 0; i < m; i++) values[i] = target.value(logits.subarray(i * outSize, (i + 1) * outSize), start + i);
          put('target', values);
        }
        let k = 0;
        if (plan.wrtInput !== undefined) put(`grad:${plan.wrtInput}`, this.fromNative(grads[k++]).dataSync() as Float32Array);
        for (const { key } of plan.wrtTaps) put(`grad:${key}`, grads[k++].dataSync() as Float32Array);
        // FullGrad's bias-gradient: df/d(layer output) times the bias of its channel (the last axis)
        for (const { key, bias } of plan.wrtBiases) put(`grad:${key}`, tf.mul(grads[k++], tf.tensor1d(bias)).dataSync() as Float32Array);
      });
      for (const { key, tap } of plan.outputs) put(key, captured.get(tap)!.dataSync() as Float32Array);
    } finally {
      for (const v of captured.values()) v.dispose();
    }
  }

  private toNative(chunk: Float32Array, m: number): Tensor {
    if (this.layout === 'NCHW') return tf.transpose(tf.tensor(chunk, [m, ...this.inputShape]), [0, 2, 3, 1]);
    return tf.tensor(chunk, [m, ...this.nativeInputShape]);
  }

  private fromNative(t: Tensor): Tensor {
    return this.layout === 'NCHW' ? tf.transpose(t, [0, 3, 1, 2]) : t;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.runner.dispose();
  }
}

function cotangents(output: Float32Array | undefined, target: Target, start: number, m: number, outSize: number): Float32Array {
  const seed = new Float32Array(m * outSize);
  for (let i = 0; i < m; i++) {
    const c = target.cotangent(output?.subarray(i * outSize, (i + 1) * outSize), start + i);
    if (c.length !== outSize) throw new Error(`target '${target.label}' gave a cotangent of ${c.length} values; expected ${outSize}`);
    seed.set(c, i * outSize);
  }
  return seed;
}

/**
 * Identity on the logits whose backward pass multiplies by the target's cotangent, read
 * off the forward values: one pass serves targets that depend on the output (a probability).
 */
function seedFromOutput(logits: Tensor, target: Target, start: number, outSize: number): Tensor {
  const seeded = tf.customGrad(((y: Tensor, save: tf.GradSaveFunc) => {
    save([y]);
    return {
      value: tf.clone(y),
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const values = saved[0].dataSync() as Float32Array;
        const m = saved[0].shape[0];
        return tf.mul(dy as Tensor, tf.tensor(cotangents(values, target, start, m, outSize), saved[0].shape));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return seeded(logits);
}


