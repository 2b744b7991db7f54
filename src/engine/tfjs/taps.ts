/**
 * Running a tfjs LayersModel or GraphModel one batch at a time, with taps on inner
 * tensors: a tap's value can be captured, and a zero "probe" tensor can be added to it so
 * that the gradient with respect to the probe is the gradient with respect to the tap.
 *
 * - LayersModel: the tap layer's `call` is wrapped (on that instance only) to add the
 *   probe to its output and capture the sum. Every consumer of the layer sees the probed
 *   value, so skip connections are handled. An overridden layer returns the given values,
 *   and the layers that only feed it are not computed (Ablation-CAM on the last feature
 *   map runs the head alone).
 * - GraphModel: execution is staged at the taps, in graph order: the tap node is computed,
 *   the probe added, and the rest of the graph executed with the probed value fed in as
 *   that node (`execute` with an inner node among the inputs). Paths that bypass the tap
 *   are recomputed from the input, so skip connections are handled here too.
 *
 * Everything here is synchronous and must run inside tf.tidy; captured values are kept
 * (tf.keep) clones that the caller disposes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { withUnfusedOps } from './unfused.js';
import { findLayersHead } from './head.js';
import { findGraphHead, type RawGraphNode } from './graphHead.js';
import type { LinearHead } from '../head.js';

export interface TapSpec {
  name: string;
  /** Layer class (LayersModel) or op type (GraphModel). */
  opType: string;
  /** Layer name or node name (the same as `name` here). */
  node: string;
}

export interface ForwardRequest {
  /**
   * tap -> probe tensor added to the tap's value (same shape as the tap, batch included).
   * 'bias:<layer>' probes (LayersModel) are added to the layer's output before its
   * activation, where its bias is added: their gradient is FullGrad's df/d(layer output).
   */
  probes: Map<string, Tensor>;
  /** tap -> values that replace the tap's (every consumer reads them; probes add to them). */
  overrides?: Map<string, Tensor>;
  /** taps whose values are wanted. */
  capture: Set<string>;
}

export interface ForwardResult {
  logits: Tensor;
  /** Kept clones of the captured taps (the caller disposes them). */
  captured: Map<string, Tensor>;
}

export interface Runner {
  readonly kind: 'layers' | 'graph';
  readonly inputName: string;
  readonly outputName: string;
  /** One example, in the model's own layout; entries may be -1 where the model leaves them open. */
  readonly declaredInputShape: number[];
  readonly taps: TapSpec[];
  readonly ops: Record<string, number>;
  /** What the output was, when a final softmax was removed. */
  readonly strippedSoftmax: boolean;
  /** A GraphModel's outputs when it has several (one example's declared shape each; -1 where open). */
  readonly outputs?: Array<{ name: string; shape?: number[] }>;
  /** Layers with a bias (explicit, or BatchNormalization's implicit one): 'bias:<node>' probes. */
  readonly biases?: BiasLayer[];
  forward(x: Tensor, request: ForwardRequest): ForwardResult;
  /** The global-average-pool + linear head fed by a tap (CAM); throws naming what is missing. */
  linearHead(tap: string): LinearHead;
  dispose(): void;
}

export interface BiasLayer {
  node: string;
  /** The bias per output channel (the last axis). */
  bias: Float32Array;
}

function captureValue(captured: Map<string, Tensor>, name: string, value: Tensor): void {
  // A clone: the model's executor disposes its own intermediates once they are consumed.
  captured.set(name, tf.keep(tf.clone(value)));
}

// ---------------------------------------------------------------------------------------
// LayersModel

type LayerCall = (inputs: Tensor | Tensor[], kwargs: Record<string, unknown>) => Tensor | Tensor[];
type HookableLayer = tfl.layers.Layer & { call: LayerCall; activation?: { getClassName(): string; apply(x: Tensor): Tensor } };

const identityActivation = {
  getClassName: () => 'linear',
  apply: (x: Tensor) => x,
  getConfig: () => ({}),
};

export class LayersRunner implements Runner {
  readonly kind = 'layers' as const;
  readonly inputName: string;
  readonly outputName: string;
  readonly declaredInputShape: number[];
  readonly taps: TapSpec[];
  readonly ops: Record<string, number> = {};
  readonly strippedSoftmax: boolean = false;
  private readonly model: tfl.LayersModel;
  readonly biases: BiasLayer[];
  private readonly layersByName = new Map<string, HookableLayer>();
  private readonly hooked = new Set<string>();
  private readonly restore: Array<() => void> = [];
  private current: { request: ForwardRequest; captured: Map<string, Tensor>; skip: Set<string> } | undefined;
  private readonly applyHooked = new Set<string>();
  /** Per set of overridden layers: the layers only they need (not computed while overridden). */
  private readonly skipCache = new Map<string, Set<string>>();

  constructor(model: tfl.LayersModel, options: { keepSoftmax?: boolean } = {}) {
    this.model = model;
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new Error(
        `the LayersModel has ${model.inputs.length} inputs and ${model.outputs.length} outputs; ` +
          'Saliency Lab explains models with a single input and a single output tensor',
      );
    }
    this.inputName = model.inputLayers[0]?.name ?? model.inputs[0].name;
    const shape = model.inputs[0].shape;
    this.declaredInputShape = shape.slice(1).map((d) => (d == null ? -1 : d));
    for (const layer of model.layers) this.ops[layer.getClassName()] = (this.ops[layer.getClassName()] ?? 0) + 1;

    const outputLayer = model.outputLayers[0] as HookableLayer;
    this.outputName = outputLayer.name;
    if (!options.keepSoftmax && outputLayer.activation && /^softmax$/i.test(outputLayer.activation.getClassName())) {
      // explain logits, not probabilities: drop the output layer's softmax (this instance only)
      const original = outputLayer.activation;
      (outputLayer as { activation: unknown }).activation = identityActivation;
      this.restore.push(() => ((outputLayer as { activation: unknown }).activation = original));
      this.strippedSoftmax = true;
    } else if (!options.keepSoftmax && /^(Softmax)$/.test(outputLayer.getClassName())) {
      this.hook(outputLayer, true);
      this.strippedSoftmax = true;
    }

    // Keras ReLU(max_value=6) runs as relu then clipByValue in tfjs-layers: one relu6 is
    // the same function, with the same gradient convention (0 < x <= 6), at a third of the cost
    for (const layer of model.layers) {
      const config = layer.getConfig() as { maxValue?: number | null };
      if (layer.getClassName() !== 'ReLU' || config.maxValue !== 6) continue;
      const l = layer as HookableLayer;
      const original = l.call;
      l.call = ((inputs: Tensor | Tensor[]) => tf.relu6(Array.isArray(inputs) ? inputs[0] : inputs)) as LayerCall;
      this.restore.push(() => (l.call = original));
    }

    this.taps = [];
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer' || layer === (outputLayer as unknown)) continue;
      // a layer used at several places in the graph has no single output to tap
      if (layer.inboundNodes.length !== 1) continue;
      const out = layer.output;
      if (Array.isArray(out)) continue;
      this.taps.push({ name: layer.name, node: layer.name, opType: layer.getClassName() });
      this.layersByName.set(layer.name, layer as HookableLayer);
    }
    this.biases = [];
    for (const layer of model.layers) {
      const bias = layer.inboundNodes.length === 1 ? biasOf(layer) : undefined;
      if (!bias) continue;
      this.biases.push({ node: layer.name, bias });
      this.layersByName.set(layer.name, layer as HookableLayer);
    }
  }

  /**
   * Wrap a layer's call. `replaceOutput` (for a final Softmax layer) returns the layer's
   * input instead of its output.
   */
  private hook(layer: HookableLayer, replaceOutput = false): void {
    if (this.hooked.has(layer.name)) return;
    const original = layer.call;
    const runner = this;
    layer.call = function (this: HookableLayer, inputs, kwargs) {
      if (replaceOutput) return Array.isArray(inputs) ? inputs[0] : inputs;
      const state = runner.current;
      if (!state) return original.call(this, inputs, kwargs) as Tensor;
      const biasProbe = state.request.probes.get(`bias:${layer.name}`);
      let y: Tensor;
      if (biasProbe && this.activation && this.activation.getClassName() !== 'linear') {
        // the probe goes where the bias is added: before the layer's activation
        const activation = this.activation;
        (this as { activation: unknown }).activation = identityActivation;
        try {
          y = original.call(this, inputs, kwargs) as Tensor;
        } finally {
          (this as { activation: unknown }).activation = activation;
        }
        y = activation.apply(tf.add(y, biasProbe));
      } else {
        y = original.call(this, inputs, kwargs) as Tensor;
        if (biasProbe) y = tf.add(y, biasProbe);
      }
      const probe = state.request.probes.get(layer.name);
      const out = probe ? tf.add(y, probe) : y;
      if (state.request.capture.has(layer.name)) captureValue(state.captured, layer.name, out);
      return out;
    } as LayerCall;
    this.hooked.add(layer.name);
    this.restore.push(() => {
      layer.call = original;
    });
  }

  /**
   * Wrap a layer's `apply` (ahead of its input checks): an overridden layer returns the
   * given values (plus its probe), and a layer that only feeds overridden ones returns a
   * placeholder scalar nothing reads, without computing.
   */
  private hookApply(layer: HookableLayer): void {
    if (this.applyHooked.has(layer.name)) return;
    const original = layer.apply;
    const runner = this;
    layer.apply = function (this: HookableLayer, inputs: unknown, kwargs?: unknown) {
      const state = runner.current;
      if (state?.skip.has(layer.name)) return tf.scalar(0);
      const override = state?.request.overrides?.get(layer.name);
      if (!state || !override) return original.call(this, inputs as Tensor, kwargs as Record<string, unknown>);
      const probe = state.request.probes.get(layer.name);
      const out = probe ? tf.add(override, probe) : override;
      if (state.request.capture.has(layer.name)) captureValue(state.captured, layer.name, out);
      return out;
    } as typeof layer.apply;
    this.applyHooked.add(layer.name);
    this.restore.push(() => {
      layer.apply = original;
    });
  }

  forward(x: Tensor, request: ForwardRequest): ForwardResult {
    const named = [...request.capture, ...request.probes.keys(), ...(request.overrides?.keys() ?? [])].map((k) => k.replace(/^bias:/, ''));
    for (const name of new Set(named)) {
      const layer = this.layersByName.get(name);
      if (!layer) throw new Error(`no tap named '${name}' (a layer name) in the model`);
      this.hook(layer);
    }
    const overridden = [...(request.overrides?.keys() ?? [])];
    const skip = this.skipped(overridden);
    for (const name of [...skip, ...overridden]) this.hookApply(this.model.getLayer(name) as HookableLayer);
    const captured = new Map<string, Tensor>();
    this.current = { request, captured, skip };
    try {
      const logits = withUnfusedOps(() => this.model.predict(x, { batchSize: x.shape[0] }) as Tensor);
      return { logits, captured };
    } catch (e) {
      for (const t of captured.values()) t.dispose();
      throw e;
    } finally {
      this.current = undefined;
    }
  }

  /**
   * Layers that only feed the overridden ones: walking back from the output, stopping at
   * overridden layers, they are never reached. Paths that bypass an overridden layer keep
   * theirs. Layers used at several places, or with several outputs, are always computed.
   */
  private skipped(overridden: string[]): Set<string> {
    if (overridden.length === 0) return new Set();
    const key = [...overridden].sort().join('\n');
    const cached = this.skipCache.get(key);
    if (cached) return cached;
    const needed = new Set<string>(overridden);
    const stack = [this.model.outputLayers[0]];
    while (stack.length > 0) {
      const layer = stack.pop()!;
      if (needed.has(layer.name) && layer !== this.model.outputLayers[0]) continue;
      needed.add(layer.name);
      for (const node of layer.inboundNodes) for (const l of node.inboundLayers) if (!needed.has(l.name)) stack.push(l);
    }
    const skip = new Set(
      this.model.layers
        .filter((l) => !needed.has(l.name) && l.getClassName() !== 'InputLayer' && l.inboundNodes.length === 1 && !Array.isArray(l.output) && !this.hookedAsOutput(l))
        .map((l) => l.name),
    );
    this.skipCache.set(key, skip);
    return skip;
  }

  private hookedAsOutput(layer: tfl.layers.Layer): boolean {
    return layer === this.model.outputLayers[0];
  }

  /** The GAP + Dense head fed by a layer (CAM's class weights); throws naming what is missing. */
  linearHead(layer: string): LinearHead {
    const out = this.model.outputLayers[0] as HookableLayer;
    return findLayersHead(this.model, layer, !out.activation || out.activation.getClassName() === 'linear');
  }

  dispose(): void {
    for (const undo of this.restore.reverse()) undo();
    this.restore.length = 0;
    this.model.dispose();
  }
}

/**
 * The bias of a layer per output channel: Conv / DepthwiseConv / SeparableConv / Dense with
 * `useBias`, or BatchNormalization's implicit beta - gamma * mean / sqrt(var + eps)
 * (over the last axis only). Undefined for layers without one.
 */
function biasOf(layer: tfl.layers.Layer): Float32Array | undefined {
  const cls = layer.getClassName();
  const read = (name: string) => layer.weights.find((w) => w.originalName.endsWith(`/${name}`) || w.name.endsWith(`/${name}`));
  if (cls === 'BatchNormalization') {
    const config = layer.getConfig() as { axis?: number | number[]; epsilon?: number };
    const axis = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
    if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== (layer.outputShape as number[]).length - 1)) return undefined;
    const mean = read('moving_mean')!.read().dataSync() as Float32Array;
    const variance = read('moving_variance')!.read().dataSync() as Float32Array;
    const gamma = read('gamma')?.read().dataSync();
    const beta = read('beta')?.read().dataSync();
    const eps = config.epsilon ?? 1e-3;
    return Float32Array.from(mean, (mu, c) => (beta ? beta[c] : 0) - ((gamma ? gamma[c] : 1) * mu) / Math.sqrt(variance[c] + eps));
  }
  if (!/^(Conv1D|Conv2D|Conv3D|DepthwiseConv2D|SeparableConv2D|Dense)$/.test(cls)) return undefined;
  const bias = read('bias');
  return bias ? Float32Array.from(bias.read().dataSync() as Float32Array) : undefined;
}

// ---------------------------------------------------------------------------------------
// GraphModel

interface GraphNodeDef {
  name: string;
  op: string;
  input?: string[];
}

const nodeOf = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');
const CONTROL_FLOW = new Set(['Enter', 'Exit', 'Merge', 'Switch', 'NextIteration', 'LoopCond', 'If', 'StatelessIf', 'While', 'StatelessWhile', 'TensorArrayV3', 'TensorListReserve']);
const NOT_TAPS = new Set(['Const', 'Placeholder', 'NoOp', 'Identity', 'Shape', 'Size', 'Rank', 'StopGradient']);

export class GraphRunner implements Runner {
  readonly kind = 'graph' as const;
  readonly inputName: string;
  readonly outputName: string;
  readonly declaredInputShape: number[];
  readonly taps: TapSpec[];
  readonly ops: Record<string, number> = {};
  readonly strippedSoftmax: boolean = false;
  /** Every output of the graph; the explained one (outputName: the `output` option, default the first) among them. */
  readonly outputs: Array<{ name: string; shape?: number[] }>;
  /** The node executed as the model output (the softmax's input when it was stripped). */
  private readonly fetch: string;
  private readonly order = new Map<string, number>();

  constructor(
    private readonly model: GraphModel,
    private readonly nodes: GraphNodeDef[],
    private readonly originalOps: Map<string, string>,
    options: { keepSoftmax?: boolean; output?: string } = {},
  ) {
    const outputs = model.outputs.map((o) => nodeOf(o.name));
    if (model.inputs.length !== 1) {
      throw new Error(`the GraphModel has ${model.inputs.length} inputs; Saliency Lab explains models with a single input`);
    }
    this.outputs = model.outputs.map((o) => ({ name: nodeOf(o.name), shape: o.shape?.slice(1).map((d) => (d == null ? -1 : d)) }));
    if (options.output !== undefined && !outputs.includes(nodeOf(options.output))) {
      throw new Error(`the GraphModel has no output '${options.output}'; its outputs: ${outputs.join(', ')}`);
    }
    this.inputName = nodeOf(model.inputs[0].name);
    this.outputName = options.output === undefined ? outputs[0] : nodeOf(options.output);
    this.declaredInputShape = (model.inputs[0].shape ?? []).slice(1).map((d) => (d == null ? -1 : d));
    const flow = [...new Set(nodes.map((n) => n.op).filter((op) => CONTROL_FLOW.has(op)))];
    if (flow.length > 0) {
      throw new Error(
        `this GraphModel has control flow (${flow.join(', ')}), which TensorFlow.js runs only asynchronously (executeAsync); ` +
          'gradients need a graph that runs synchronously',
      );
    }
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const opOf = (n: GraphNodeDef) => originalOps.get(n.name) ?? n.op;
    for (const n of nodes) this.ops[opOf(n)] = (this.ops[opOf(n)] ?? 0) + 1;

    // the logits: walk back from the output through Identity; a Softmax there is removed
    let fetch = this.outputName;
    if (!options.keepSoftmax) {
      let n = byName.get(fetch);
      while (n && n.op === 'Identity' && n.input?.length) n = byName.get(nodeOf(n.input[0]));
      if (n && n.op === 'Softmax' && n.input?.length) {
        fetch = nodeOf(n.input[0]);
        this.strippedSoftmax = true;
      }
    }
    this.fetch = fetch;

    // topological order (the node list usually is one, but is not required to be)
    const visiting = new Set<string>();
    const visit = (name: string) => {
      if (this.order.has(name) || visiting.has(name)) return;
      visiting.add(name);
      for (const i of byName.get(name)?.input ?? []) visit(nodeOf(i));
      this.order.set(name, this.order.size);
    };
    for (const n of nodes) visit(n.name);

    // taps: nodes that depend on the input and that the logits depend on
    const fromInput = new Set<string>([this.inputName]);
    const sorted = [...this.order.keys()];
    for (const name of sorted) {
      if ((byName.get(name)?.input ?? []).some((i) => fromInput.has(nodeOf(i)))) fromInput.add(name);
    }
    const toOutput = new Set<string>([fetch]);
    for (const name of [...sorted].reverse()) {
      if (!toOutput.has(name)) continue;
      for (const i of byName.get(name)?.input ?? []) toOutput.add(nodeOf(i));
    }
    this.taps = sorted
      .filter((name) => name !== fetch && name !== this.inputName && fromInput.has(name) && toOutput.has(name))
      .map((name) => byName.get(name)!)
      .filter((n) => !NOT_TAPS.has(n.op))
      .map((n) => ({ name: n.name, node: n.name, opType: opOf(n) }));
  }

  /** The Mean + MatMul head fed by a tap (CAM's class weights); throws naming what is missing. */
  linearHead(tap: string): LinearHead {
    const constant = (name: string) => {
      const t = this.model.weights[name]?.[0];
      if (!t || (t.dtype !== 'float32' && t.dtype !== 'int32')) return undefined;
      return { values: t.dataSync() as Float32Array | Int32Array, shape: t.shape };
    };
    return findGraphHead(this.nodes as RawGraphNode[], (n) => this.originalOps.get(n.name) ?? n.op, constant, tap, this.fetch);
  }

  forward(x: Tensor, request: ForwardRequest): ForwardResult {
    const tapNames = new Set(this.taps.map((t) => t.name));
    const wanted = [...new Set([...request.capture, ...request.probes.keys(), ...(request.overrides?.keys() ?? [])])];
    for (const name of wanted) {
      if (!tapNames.has(name)) throw new Error(`no tap named '${name}' (a node name) in the model`);
    }
    const captured = new Map<string, Tensor>();
    try {
      if (request.probes.size === 0 && !request.overrides?.size) {
        // one pass: the logits and every captured tap
        const names = [this.fetch, ...request.capture];
        const out = this.model.execute(x, names);
        const list = Array.isArray(out) ? out : [out];
        names.slice(1).forEach((name, i) => captureValue(captured, name, list[i + 1]));
        return { logits: list[0], captured };
      }
      // staged at the probed taps, in graph order
      const feeds: Record<string, Tensor> = { [this.inputName]: x };
      const staged = wanted.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
      for (const name of staged) {
        let value = request.overrides?.get(name) ?? (this.model.execute(feeds, name) as Tensor);
        const probe = request.probes.get(name);
        if (probe) value = tf.add(value, probe);
        if (request.capture.has(name)) captureValue(captured, name, value);
        feeds[name] = value;
      }
      return { logits: this.model.execute(feeds, this.fetch) as Tensor, captured };
    } catch (e) {
      for (const t of captured.values()) t.dispose();
      throw e;
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
