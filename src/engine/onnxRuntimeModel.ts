/**
 * ONNX models behind the Model contract, run by an onnxruntime (onnx.ts: onnxruntime-node,
 * onnx-web.ts: onnxruntime-web in the browser; the runtime is passed in, so this file
 * bundles for either).
 *
 * Forward graphs and forward+backward graphs (built by graph/autodiff) are compiled
 * once per (batch size, outputs, wrt, rule set), cached (LRU), and released on dispose.
 */
import type { Graph } from '../graph/ir.js';
import { attrFloat } from '../graph/ir.js';
import { saveOnnx } from '../graph/onnx.js';
import { inferShapes, type ShapeInfo } from '../graph/shapes.js';
import { buildGradientGraph, pruneDeadNodes, NON_DIFFERENTIABLE } from '../graph/autodiff.js';
import { missingBackwardRules } from '../graph/gradientPath.js';
import { plainGradientRewrites } from '../graph/canonize.js';
import { narrowToGathered } from '../graph/narrow.js';
import { activationBytes, preferredBatchSize } from './memory.js';
import { ruleSet, ruleSetDefinition } from '../graph/rules/index.js';
import { findLinearHead, type LinearHead } from './head.js';
import type { Model, ModelInfo, RunAsk, RunResult, TapInfo, Target } from './model.js';
import { countExamples, ModelInputError, sizeOfShape } from './model.js';
import { checkRequest } from './request.js';
import { localPrefix, type LocalPrefix } from '../graph/localPrefix.js';
import { runPatchedImages } from './patchedRuns.js';
import { runEditedImages, type EditHost, type IncrementalMode } from './editedRuns.js';
import type { EditOptions, ImageBox, ImageEdit } from './model.js';

/** The part of an onnxruntime package (node or web) the model uses. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  /** Default intra-op threads (the machine's cores in Node). */
  defaultThreads: number;
  /** Extra session options (e.g. executionProviders in the browser). */
  sessionOptions?: Record<string, unknown>;
}

export interface OnnxModelOptions {
  /** Examples per onnxruntime call (Captum's internal_batch_size). Default: from the model's activation memory (memory.ts), 1 to 16, tiny models up to 64. */
  batchSize?: number;
  /** Shape of one example when the file leaves it symbolic (e.g. [3, 224, 224]). */
  inputShape?: number[];
  /** Valid input values (after preprocessing), used by baselines. */
  inputRange?: [number, number];
  /** Which graph output is explained (its name); default the first. The others are listed by inspect(). */
  output?: string;
  /** onnxruntime intra-op threads. Default: the machine's cores. */
  threads?: number;
  /** How many compiled sessions to keep (one per batch size and request kind). Default 12. */
  maxSessions?: number;
  /**
   * Whether onnxruntime's intra-op threads spin (busy-wait) after a run before sleeping
   * (session.intra_op.allow_spinning). Default true, onnxruntime's own default: the fastest
   * for calls back to back. false: they sleep at once, leaving the cores to the JavaScript
   * work between calls (a metric's perturbations, ROAD's imputation) and to other processes
   * (a reference library timed right after us on a 2-core machine ran ~1.5x slower while
   * our threads spun).
   */
  spinning?: boolean;
  /**
   * runPatched (occlusion's windows): 'auto' (default) recomputes only the layers a box reaches
   * when the cost model expects a gain of at least 15%, 'always' whenever the graph has a cut,
   * 'never' runs the patched images in full, { cut: tensor } goes through that cut (tests, measurements).
   */
  incremental?: IncrementalMode;
}

interface Compiled {
  session: OrtSession;
  /** user-facing key -> graph output name */
  fetch: Record<string, string>;
  seedInput?: string;
}

let liveSessions = 0;
/** Number of onnxruntime sessions currently open across all OnnxModels and training sessions (for leak tests). */
export function openSessionCount(): number {
  return liveSessions;
}
/** Count a session another engine part opened (+1) or released (-1). */
export function countSession(delta: 1 | -1): void {
  liveSessions += delta;
}

export class OnnxRuntimeModel implements Model {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputRange?: readonly [number, number];
  readonly taps: readonly string[];
  /** Examples per onnxruntime call: the option, or the model's preferred batch size (memory.ts). */
  readonly batchSize: number;
  /**
   * Boxes per runPatched chunk: the batchSize option, else at least 16. A patched image holds
   * the activations after the cut and of a crop only (mobilenet_v2, whose memory rule gives 5
   * full images per call, ran its 729 occlusion windows in 0.66 of the full runs' time at 5 per
   * chunk and 0.55 at 16).
   */
  readonly patchedBatchSize: number;
  /** Bytes of activations one example computes (what a call's memory grows with). */
  readonly activationBytesPerExample: number;
  onProgress?: (examples: number) => void;
  private readonly inputName: string;
  private readonly outputName: string;
  private readonly tapInfo: TapInfo[];
  private readonly shapeCache = new Map<number, ShapeInfo>();
  private readonly sessions = new Map<string, Promise<Compiled>>();
  /** Graphs rewritten by a rule set's `prepare` (e.g. BatchNorm folded), by rewrite: rule sets sharing one share the graph. */
  private readonly prepared = new Map<(graph: Graph) => Graph, Graph>();
  private disposed = false;
  private prefix?: { value: LocalPrefix | undefined };
  /** The last runPatched base and its cut tensor's value. */
  private lastBase?: { tensor: string; example: Float32Array; value: Float32Array };

  constructor(
    readonly graph: Graph,
    private readonly options: OnnxModelOptions,
    private readonly ort: OrtRuntime,
  ) {
    if (graph.inputs.length !== 1) {
      throw new Error(
        `the model has ${graph.inputs.length} inputs (${graph.inputs.map((i) => i.name).join(', ')}); ` +
          'Saliency Lab explains models with a single input tensor',
      );
    }
    const input = graph.inputs[0];
    if (input.dtype !== 'float32') throw new Error(`the model input '${input.name}' is ${input.dtype}; a float32 input is required`);
    this.inputName = input.name;
    const chosen = options.output === undefined ? graph.outputs[0] : graph.outputs.find((o) => o.name === options.output);
    if (!chosen) {
      throw new ModelInputError(`the model has no output named '${options.output}'; its outputs: ${graph.outputs.map((o) => o.name).join(', ')}`);
    }
    this.outputName = chosen.name;
    const fileShape = input.shape?.slice(1) ?? [];
    const shape = options.inputShape ?? fileShape;
    if (!shape.every((d) => typeof d === 'number' && d > 0) || shape.length === 0) {
      throw new Error(
        `the model input '${input.name}' has shape [${(input.shape ?? []).join(', ')}] with unknown dimensions; ` +
          'pass inputShape (one example, e.g. [3, 224, 224])',
      );
    }
    this.inputShape = shape as number[];
    if (options.inputRange) this.inputRange = options.inputRange;
    const info = this.shapes(1);
    this.activationBytesPerExample = activationBytes(graph, info);
    this.batchSize = Math.max(1, options.batchSize ?? preferredBatchSize(this.activationBytesPerExample));
    this.patchedBatchSize = Math.max(1, options.batchSize ?? Math.max(16, this.batchSize));
    this.outputShape = info.shapes.get(this.outputName)!.slice(1);
    this.tapInfo = [];
    for (const node of graph.nodes) {
      if (NON_DIFFERENTIABLE.has(node.opType)) continue;
      for (const out of node.outputs) {
        const s = info.shapes.get(out);
        if (!out || !s || info.dtypes.get(out) !== 'float32' || info.constants.has(out)) continue;
        if (out === this.outputName) continue;
        this.tapInfo.push({ name: out, node: node.name, opType: node.opType, shape: s.slice(1) });
      }
    }
    this.taps = this.tapInfo.map((t) => t.name);
  }

  /**
   * Layers with a constant bias (Conv, ConvTranspose, Gemm, BatchNormalization's
   * implicit bias, and an Add / Sub of a per-channel or scalar constant): `wrt: ['bias:<node>']` gives
   * FullGrad's bias-gradient of that layer, d target / d output * bias (per channel),
   * shaped like the layer's output.
   */
  biasLayers(): Array<{ node: string; tensor: string; bias: Float32Array }> {
    const layers: Array<{ node: string; tensor: string; bias: Float32Array }> = [];
    const constant = (name: string) => {
      const init = this.graph.initializers.get(name);
      return init && init.dtype === 'float32' ? (init.value().data as Float32Array) : undefined;
    };
    for (const n of this.graph.nodes) {
      if (n.opType === 'BatchNormalization') {
        // the implicit bias of an inference-mode batch norm: B - mean * scale / sqrt(var + eps)
        const [scale, b, mean, v] = n.inputs.slice(1, 5).map(constant);
        if (!scale || !b || !mean || !v) continue;
        const eps = attrFloat(n, 'epsilon', 1e-5);
        const bias = b.map((bc, c) => bc - (mean[c] * scale[c]) / Math.sqrt(v[c] + eps));
        layers.push({ node: n.name, tensor: n.outputs[0], bias });
        continue;
      }
      if (n.opType === 'Add' || n.opType === 'Sub') {
        // a constant added per channel (axis 1) or as a scalar to the model input (an input
        // normalisation's x - mean) or to a MatMul (a linear layer's bias); without it
        // FullGrad's completeness misses a term. Constants inside non-linearities (GELU's
        // 1 + erf, a norm's epsilon) are not biases of the network.
        const producer = this.graph.nodes.find((p) => p.outputs.includes(n.inputs[0]));
        const scaledInput = producer && ['Mul', 'Div'].includes(producer.opType) && producer.inputs[0] === this.inputName;
        if (!(producer ? scaledInput || ['MatMul', 'Conv', 'ConvTranspose'].includes(producer.opType) : n.inputs[0] === this.inputName)) continue;
        const c = this.graph.initializers.get(n.inputs[1]);
        const rank = this.tapInfo.find((t) => t.name === n.outputs[0])?.shape.length ?? (n.outputs[0] === this.outputName ? this.outputShape.length : -1);
        if (!c || c.dtype !== 'float32' || this.graph.initializers.has(n.inputs[0]) || rank < 0 || !perChannel(c.dims, rank + 1)) continue;
        const data = c.value().data as Float32Array;
        layers.push({ node: n.name, tensor: n.outputs[0], bias: n.opType === 'Sub' ? data.map((v) => -v) : Float32Array.from(data) });
        continue;
      }
      if (!['Conv', 'ConvTranspose', 'Gemm'].includes(n.opType) || !n.inputs[2]) continue;
      const init = this.graph.initializers.get(n.inputs[2]);
      if (!init || init.dtype !== 'float32') continue;
      layers.push({ node: n.name, tensor: n.outputs[0], bias: init.value().data as Float32Array });
    }
    return layers;
  }

  /** The GAP + linear head fed by a layer (CAM's class weights); throws naming what is missing. */
  linearHead(layer: string): LinearHead {
    return findLinearHead(this.graph, this.resolve(layer), this.outputName);
  }

  private biasLayer(name: string): { node: string; tensor: string; bias: Float32Array } {
    const node = name.slice('bias:'.length);
    const layer = this.biasLayers().find((l) => l.node === node);
    if (!layer) throw new Error(`no layer with a constant bias named '${node}'; inspect().biases lists them`);
    return layer;
  }

  /**
   * Float32 initializers (weights, biases): `wrt: ['weight:<initializer>']` gives the gradient
   * of the seeded output with respect to that initializer, summed over the examples of the call.
   */
  weights(): Array<{ name: string; shape: number[] }> {
    return [...this.graph.initializers.values()].filter((i) => i.dtype === 'float32').map((i) => ({ name: i.name, shape: [...i.dims] }));
  }

  private weight(name: string): { name: string; shape: number[] } {
    const init = this.graph.initializers.get(name.slice('weight:'.length));
    if (!init || init.dtype !== 'float32') throw new Error(`no float32 initializer named '${name.slice('weight:'.length)}'; inspect().weights lists them`);
    return { name: init.name, shape: [...init.dims] };
  }

  /** Resolve 'input', 'logits', 'bias:<node>', 'weight:<initializer>', a tensor name or a node name to a tensor name. */
  resolve(name: string): string {
    if (name.startsWith('bias:')) return this.biasLayer(name).tensor;
    if (name.startsWith('weight:')) return this.weight(name).name;
    if (name === 'input') return this.inputName;
    if (name === 'logits' || name === 'output') return this.outputName;
    if (this.taps.includes(name) || name === this.inputName || name === this.outputName) return name;
    const byNode = this.tapInfo.find((t) => t.node === name);
    if (byNode) return byNode.name;
    throw new Error(`no tap named '${name}' in the model; \`saliency inspect\` lists the taps (tensor or node names)`);
  }

  shapeOf(name: string): readonly number[] {
    if (name.startsWith('weight:')) return this.weight(name).shape;
    const tensor = this.resolve(name);
    return this.shapes(1).shapes.get(tensor)!.slice(1);
  }

  inspect(): ModelInfo {
    const ops: Record<string, number> = {};
    for (const n of this.graph.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
    // only what the rewrite of the input gradient would differentiate (not shape computations)
    const missing = missingBackwardRules(this.graph, this.shapes(1), { seeds: [this.outputName], wrt: [this.inputName], rules: ruleSet('gradient') });
    return {
      format: 'onnx',
      inputName: this.inputName,
      inputShape: [...this.inputShape],
      outputName: this.outputName,
      outputNames: this.graph.outputs.map((o) => o.name),
      outputShape: [...this.outputShape],
      opset: this.graph.opset,
      producer: this.graph.producer,
      ops,
      opsWithoutGradient: [...new Set(missing.map((m) => m.opType))].sort(),
      nodesWithoutGradient: missing,
      weights: this.weights(),
      biases: this.biasLayers().map((l) => ({ node: l.node, tensor: l.tensor, channels: l.bias.length })),
      taps: this.tapInfo.map((t) => ({ ...t, shape: [...t.shape] })),
      memory: { activationBytesPerExample: this.activationBytesPerExample, preferredBatchSize: preferredBatchSize(this.activationBytesPerExample), batchSize: this.batchSize },
    };
  }

  private shapes(n: number): ShapeInfo {
    let info = this.shapeCache.get(n);
    if (!info) {
      info = inferShapes(this.graph, { [this.inputName]: [n, ...this.inputShape] });
      this.shapeCache.set(n, info);
      if (this.shapeCache.size > 8) this.shapeCache.delete(this.shapeCache.keys().next().value!);
    }
    return info;
  }

  /** The compiled session under `key` (LRU cache of maxSessions), built by `build` on a miss. */
  private cached(key: string, build: () => Promise<Compiled>): Promise<Compiled> {
    if (this.disposed) throw new Error('this model has been disposed');
    const hit = this.sessions.get(key);
    if (hit) {
      // refresh LRU position
      this.sessions.delete(key);
      this.sessions.set(key, hit);
      return hit;
    }
    const promise = build();
    promise.catch(() => this.sessions.delete(key));
    this.sessions.set(key, promise);
    const limit = this.options.maxSessions ?? 12;
    while (this.sessions.size > limit) {
      const oldest = this.sessions.keys().next().value!;
      const evicted = this.sessions.get(oldest)!;
      this.sessions.delete(oldest);
      void evicted.then(releaseCompiled, () => undefined);
    }
    return promise;
  }

  /** An onnxruntime session of `graph` with the model's options, counted in openSessionCount(). */
  private async createSession(graph: Graph, spinning = this.options.spinning !== false): Promise<OrtSession> {
    const session = await this.ort.InferenceSession.create(saveOnnx(graph), {
      ...this.ort.sessionOptions,
      ...(spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
      graphOptimizationLevel: 'all',
      intraOpNumThreads: this.options.threads ?? this.ort.defaultThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    liveSessions++;
    return session;
  }

  private compile(n: number, outputs: string[], grad?: { wrt: string[]; rule: string }, overrides: string[] = []): Promise<Compiled> {
    const key = JSON.stringify([n, outputs, grad ?? null, overrides]);
    return this.cached(key, async (): Promise<Compiled> => {
      const info = this.shapes(n);
      const tensors = outputs.map((o) => this.resolve(o));
      const source = overrides.length ? cutAt(this.graph, overrides, info) : this.graph;
      let graph: Graph;
      const fetch: Record<string, string> = {};
      outputs.forEach((o, i) => (fetch[o] = tensors[i]));
      let seedInput: string | undefined;
      if (grad) {
        const wrtTensors = grad.wrt.map((w) => this.resolve(w));
        const def = ruleSetDefinition(grad.rule);
        let prepared = source;
        let sourceInfo = info;
        if (def.prepare) {
          if (overrides.length) throw new Error(`rule set '${grad.rule}' rewrites the graph first; it cannot be combined with tap overrides`);
          prepared = this.prepared.get(def.prepare) ?? def.prepare(this.graph);
          this.prepared.set(def.prepare, prepared);
          sourceInfo = inferShapes(prepared, { [this.inputName]: [n, ...this.inputShape] });
        } else if (grad.rule === 'gradient') {
          // the rows a Gather keeps (ViT's class token) computed alone, Relu -> MaxPool as
          // MaxPool -> Relu, where nothing asks for the tensors they remove (exact; canonize.ts)
          prepared = plainGradientRewrites(source, info, new Set([...tensors, ...wrtTensors, ...overrides, this.outputName]));
          if (prepared !== source) sourceInfo = inferShapes(prepared, { [this.inputName]: [n, ...this.inputShape] });
        }
        const built = buildGradientGraph(prepared, sourceInfo, {
          outputs: [...new Set(tensors)],
          seeds: [this.outputName],
          wrt: [...new Set(wrtTensors)],
          rules: def.rules,
          nodeRules: def.overrides?.(prepared, sourceInfo),
          ruleSetName: grad.rule,
        });
        graph = built.graph;
        seedInput = built.seedInputs[this.outputName];
        grad.wrt.forEach((w, i) => (fetch[`grad:${w}`] = built.gradOutputs[wrtTensors[i]]));
      } else {
        const narrowed = narrowToGathered(source, info, new Set(tensors));
        graph = {
          ...narrowed,
          nodes: [...narrowed.nodes],
          initializers: new Map(narrowed.initializers),
          outputs: [...new Set(tensors)].map((t) => ({ name: t, dtype: 'float32' as const, shape: info.shapes.get(t)! })),
        };
        pruneDeadNodes(graph);
      }
      return { session: await this.createSession(graph), fetch, seedInput };
    });
  }

  async run(batch: Float32Array, ask: RunAsk): Promise<RunResult> {
    const n = checkRequest(batch, this.inputShape, this.outputShape, ask);
    const wanted = [...new Set(ask.outputs ?? [])];
    for (const w of wanted) this.resolve(w);
    const overrides = Object.entries(ask.overrides ?? {}).map(([name, values]) => {
      const tensor = this.resolve(name);
      if (tensor === this.inputName || tensor === this.outputName) throw new Error(`overrides take inner taps, not '${name}'`);
      const size = sizeOfShape(this.shapeOf(tensor));
      if (values.length !== n * size) throw new Error(`override '${name}' holds ${values.length} values; expected ${n} x ${size}`);
      return { tensor, values, size };
    });
    const cut = overrides.map((o) => o.tensor).sort();
    const g = ask.gradients;
    const target = g && !(g.seed instanceof Float32Array) ? (g.seed as Target) : undefined;
    const outSize = sizeOfShape(this.outputShape);
    for (const w of g?.wrt ?? []) this.resolve(w);
    // The output is always computed with a Target so its value can be reported.
    const fetchOutputs = target && !wanted.includes('logits') ? [...wanted, 'logits'] : wanted;

    const result: RunResult = {};
    const alloc = (key: string, perExample: number) => (result[key] ??= new Float32Array(n * perExample));
    const per = sizeOfShape(this.inputShape);
    for (let start = 0; start < n; start += this.batchSize) {
      const m = Math.min(this.batchSize, n - start);
      const chunk = batch.subarray(start * per, (start + m) * per);
      const feeds: Record<string, OrtTensor> = {
        [this.inputName]: new this.ort.Tensor('float32', chunk, [m, ...this.inputShape]),
      };
      for (const o of overrides) {
        feeds[o.tensor] = new this.ort.Tensor('float32', o.values.subarray(start * o.size, (start + m) * o.size), [m, ...this.shapeOf(o.tensor)]);
      }
      let compiled: Compiled;
      let targetOutput: Float32Array | undefined;
      if (g) {
        compiled = await this.compile(m, fetchOutputs, { wrt: g.wrt, rule: g.rule ?? 'gradient' }, cut);
        let seed: Float32Array;
        if (g.seed instanceof Float32Array) {
          seed = g.seed.subarray(start * outSize, (start + m) * outSize);
        } else {
          if (target!.dependsOnOutput) {
            const fwd = await this.compile(m, ['logits'], undefined, cut);
            const r = await fwd.session.run(feeds);
            targetOutput = r[fwd.fetch['logits']].data as Float32Array;
          }
          seed = new Float32Array(m * outSize);
          for (let i = 0; i < m; i++) {
            const row = targetOutput?.subarray(i * outSize, (i + 1) * outSize);
            const c = target!.cotangent(row, start + i);
            if (c.length !== outSize) throw new Error(`target '${target!.label}' gave a cotangent of ${c.length} values; expected ${outSize}`);
            seed.set(c, i * outSize);
          }
        }
        feeds[compiled.seedInput!] = new this.ort.Tensor('float32', seed, [m, ...this.outputShape]);
      } else {
        compiled = await this.compile(m, fetchOutputs, undefined, cut);
      }
      const out = await compiled.session.run(feeds);
      for (const [key, tensorName] of Object.entries(compiled.fetch)) {
        const data = out[tensorName].data as Float32Array;
        if (key.startsWith('grad:weight:')) {
          // a weight's gradient is already summed over the call's examples: add the calls up
          const sum = (result[key] ??= new Float32Array(data.length));
          for (let i = 0; i < data.length; i++) sum[i] += data[i];
          continue;
        }
        const dest = alloc(key, data.length / m);
        dest.set(data, start * (data.length / m));
      }
      if (target) {
        const logits = out[compiled.fetch['logits']].data as Float32Array;
        const values = alloc('target', 1);
        for (let i = 0; i < m; i++) values[start + i] = target.value(logits.subarray(i * outSize, (i + 1) * outSize), start + i);
      }
      this.onProgress?.(m);
    }
    if (target && !wanted.includes('logits')) delete result['logits'];
    for (const w of g?.wrt ?? []) if (w.startsWith('bias:')) scaleByChannel(result[`grad:${w}`], this.biasLayer(w).bias, n);
    return result;
  }

  /**
   * Outputs of copies of `base` with each box taken from `fill` (Model.runPatched): the local
   * prefix of the graph recomputed on a crop around each box only, when that saves work
   * (engine/incremental.ts); full runs otherwise.
   */
  runPatched(base: Float32Array, fill: Float32Array, boxes: readonly ImageBox[]): Promise<Float32Array> {
    return runPatchedImages(this.editHost(), base, fill, boxes);
  }

  /**
   * Outputs of the images edits make from `base` (Model.runEdited), each edit applied to the
   * base or, chained, to the image before it: the same incremental route as runPatched.
   */
  runEdited(base: Float32Array, edits: readonly ImageEdit[], options?: EditOptions): Promise<Float32Array> {
    return runEditedImages(this.editHost(), base, edits, options);
  }

  private editHost(): EditHost {
    return {
      graph: this.graph,
      inputName: this.inputName,
      outputName: this.outputName,
      inputShape: this.inputShape,
      outputShape: this.outputShape,
      batchSize: this.patchedBatchSize,
      incremental: this.options.incremental ?? 'auto',
      localPrefix: () => (this.prefix ??= { value: this.inputShape.length === 3 ? localPrefix(this.graph, this.shapes(1), this.inputName) : undefined }).value,
      // no spinning: JavaScript writes crops and pastes between the prefix and suffix runs, and
      // threads busy-waiting after a run took a core from it (mobilenet_v2 occlusion at batch 5: 4.3 s, 2.0 s without)
      session: async (key, build) => (await this.cached(key, async () => ({ session: await this.createSession(build(), false), fetch: {} }))).session,
      tensor: (data, dims) => new this.ort.Tensor('float32', data, dims),
      forwardTensor: async (example, tensor) => {
        // a method sends the windows of one input in several calls: the base's value is kept
        const last = this.lastBase;
        if (last?.tensor === tensor && sameValues(last.example, example)) return last.value;
        const compiled = await this.compile(1, [tensor]);
        const out = await compiled.session.run({ [this.inputName]: new this.ort.Tensor('float32', example, [1, ...this.inputShape]) });
        const value = out[compiled.fetch[tensor]].data as Float32Array;
        this.lastBase = { tensor, example: Float32Array.from(example), value };
        return value;
      },
      run: (batch, ask) => this.run(batch, ask),
      progress: (examples) => this.onProgress?.(examples),
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.lastBase = undefined;
    await releaseSessions(this.sessions);
  }
}

/**
 * Empty a cache of sessions being built or built (any key) and release each one that was
 * built, counted out of openSessionCount(); one that failed to build (or to release) is passed over.
 */
export async function releaseSessions(cache: Map<unknown, Promise<{ session: { release(): Promise<void> } }>>): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const p of all) {
    try {
      await (await p).session.release();
      liveSessions--;
    } catch {
      // a session that failed to build has nothing to release
    }
  }
}

/**
 * The graph with each tensor in `tensors` turned into a graph input of the same name (its
 * producer's output renamed, so it is pruned unless something else needs that node):
 * consumers read the fed value, paths bypassing the cut still run from the input.
 */
function cutAt(graph: Graph, tensors: string[], info: ShapeInfo): Graph {
  const cut = new Set(tensors);
  return {
    ...graph,
    nodes: graph.nodes.map((node) =>
      node.outputs.some((o) => cut.has(o)) ? { ...node, outputs: node.outputs.map((o) => (cut.has(o) ? `${o}/overridden` : o)) } : node,
    ),
    inputs: [...graph.inputs, ...tensors.map((t) => ({ name: t, dtype: 'float32' as const, shape: info.shapes.get(t)! }))],
  };
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

async function releaseCompiled(c: Compiled): Promise<void> {
  await c.session.release();
  liveSessions--;
}

/** Multiply a [n, C, ...] tensor by a per-channel vector in place. */
/** A constant of these dims, broadcast against an output of `rank` (batch included), varies at most along axis 1. */
function perChannel(dims: readonly number[], rank: number): boolean {
  const offset = rank - dims.length;
  return offset >= 0 && dims.every((d, i) => d === 1 || i + offset === 1);
}

function scaleByChannel(data: Float32Array, perChannel: Float32Array, n: number): void {
  const c = perChannel.length;
  const inner = data.length / n / c;
  for (let i = 0; i < data.length; i++) data[i] *= perChannel[Math.floor(i / inner) % c];
}

