/**
 * Gradient checking for the backward rules: the gradient graph built by autodiff,
 * run in onnxruntime, against central finite differences of the forward graph.
 *
 * The forward graph is converted to float64 for the finite differences. onnxruntime
 * lacks double kernels for some ops (Conv, Resize, Erf ...): those nodes run as
 * float32 islands (Cast in, Cast out) and the check reports precision 'mixed';
 * if even that fails the whole check runs in float32 with a larger step.
 *
 * Also: small builders for single-op test graphs and seeded random inputs.
 */
import * as ort from 'onnxruntime-node';
import type { AttrValue, DType, Graph, Node, Tensor, TypedData } from '../graph/ir.js';
import { initializerFromTensor, sizeOf } from '../graph/ir.js';
import { toAttr, type AttrInput } from '../graph/emitter.js';
import { saveOnnx } from '../graph/onnx.js';
import { inferShapes, type ShapeInfo } from '../graph/shapes.js';
import { buildGradientGraph, type RuleSet } from '../graph/autodiff.js';
import { gradientRules } from '../graph/rules/index.js';

// ---------------------------------------------------------------------------
// random numbers

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * How random inputs are drawn:
 * - normal: standard normal;
 * - away: |x| in [0.2, 1.2] with a random sign (away from the kink at 0);
 * - positive: [0.5, 1.5] (Log, Sqrt, variances);
 * - distinct: a shuffled evenly spaced grid in [-1, 1] plus small jitter, so no two
 *   values tie (MaxPool, ReduceMax) and none is near 0.
 */
export type InputKind = 'normal' | 'away' | 'positive' | 'distinct';

export function randomData(n: number, rng: () => number, kind: InputKind = 'normal'): Float32Array {
  const out = new Float32Array(n);
  if (kind === 'distinct') {
    const step = 2 / Math.max(n, 1);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let i = 0; i < n; i++) {
      // grid point k maps to -1 + (k + 0.5) step, never 0 for even n; jitter stays within +-step/4.
      let v = -1 + (order[i] + 0.5) * step + (rng() - 0.5) * step * 0.5;
      if (Math.abs(v) < step / 4) v = v < 0 ? -step / 4 : step / 4;
      out[i] = v;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    if (kind === 'normal') out[i] = normal(rng);
    else if (kind === 'positive') out[i] = 0.5 + rng();
    else out[i] = (rng() < 0.5 ? -1 : 1) * (0.2 + rng());
  }
  return out;
}

// ---------------------------------------------------------------------------
// graph builders

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrInput>;
  name?: string;
  domain?: string;
}

export interface GraphSpec {
  /** Default 17. */
  opset?: number;
  /** Graph inputs: dims (float32) or dims with a dtype. */
  inputs: Record<string, number[] | { dims: number[]; dtype: DType }>;
  initializers?: Record<string, Tensor>;
  nodes: NodeSpec[];
  /** Graph outputs (shapes and dtypes are inferred). */
  outputs: string[];
}

/** A graph from a compact description; output shapes and dtypes come from shape inference. */
export function makeGraph(spec: GraphSpec): Graph {
  const graph: Graph = {
    name: 'gradcheck',
    nodes: spec.nodes.map((n, i) => ({
      name: n.name ?? `${n.op}_${i}`,
      opType: n.op,
      domain: n.domain ?? '',
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attrs: Object.fromEntries(Object.entries(n.attrs ?? {}).map(([k, v]) => [k, toAttr(v)])),
    })),
    inputs: Object.entries(spec.inputs).map(([name, d]) =>
      Array.isArray(d) ? { name, dtype: 'float32' as DType, shape: d } : { name, dtype: d.dtype, shape: d.dims },
    ),
    outputs: [],
    initializers: new Map(Object.entries(spec.initializers ?? {}).map(([name, t]) => [name, initializerFromTensor(name, t)])),
    valueInfo: new Map(),
    opset: spec.opset ?? 17,
    otherOpsets: {},
    irVersion: 8,
    producer: 'gradcheck',
  };
  const info = inferShapes(graph, {});
  graph.outputs = spec.outputs.map((name) => ({
    name,
    dtype: info.dtypes.get(name) ?? 'float32',
    shape: info.shapes.get(name) ?? null,
  }));
  return graph;
}

/** One input of a single-op graph: dims make a float32 graph input, a Tensor an initializer, null an omitted input. */
export type OpInput = number[] | Tensor | null | { dims: number[]; dtype: DType };

export interface OpGraphOptions {
  attrs?: Record<string, AttrInput>;
  /** Number of node outputs (all become graph outputs unless `graphOutputs` says otherwise). Default 1. */
  outputs?: number;
  /** Indices of the node outputs that become graph outputs. Default: all. */
  graphOutputs?: number[];
  /** Default 17. */
  opset?: number;
}

/**
 * A graph with one node of `op`: graph inputs are named x0, x1 ... by position,
 * initializers c0, c1 ..., outputs y0, y1 ...
 */
export function opGraph(op: string, inputs: OpInput[], options: OpGraphOptions = {}): Graph {
  const graphInputs: GraphSpec['inputs'] = {};
  const initializers: Record<string, Tensor> = {};
  const names = inputs.map((x, i) => {
    if (x === null) return '';
    if (Array.isArray(x)) {
      graphInputs[`x${i}`] = x;
      return `x${i}`;
    }
    if ('data' in x) {
      initializers[`c${i}`] = x;
      return `c${i}`;
    }
    graphInputs[`x${i}`] = x;
    return `x${i}`;
  });
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  const outs = Array.from({ length: options.outputs ?? 1 }, (_, i) => `y${i}`);
  return makeGraph({
    opset: options.opset,
    inputs: graphInputs,
    initializers,
    nodes: [{ op, inputs: names, outputs: outs, attrs: options.attrs, name: `${op}_node` }],
    outputs: (options.graphOutputs ?? outs.map((_, i) => i)).map((i) => outs[i]),
  });
}

// ---------------------------------------------------------------------------
// float64 conversion

const FLOAT32 = 1;
const FLOAT64 = 11;

/** (op, input index) pairs that must stay float32 whatever the data type (Resize scales ...). */
const FLOAT32_ONLY: Record<string, number[]> = { Resize: [1, 2], Upsample: [1] };
/** (op, output index) pairs that stay float32 (LayerNormalization's statistics, stash_type = 1). */
const FLOAT32_ONLY_OUTPUTS: Record<string, number[]> = { LayerNormalization: [1, 2] };

function toF64Tensor(t: Tensor): Tensor {
  return { dtype: 'float64', dims: [...t.dims], data: Float64Array.from(t.data as Float32Array) };
}

/**
 * The same graph computing in float64: float32 initializers, inputs, outputs, Cast targets
 * and constant-producing attributes become float64. Op types in `islands` run in float32
 * between Casts (for ops without double kernels in onnxruntime).
 */
export function toFloat64(graph: Graph, info: ShapeInfo, islands: ReadonlySet<string> = new Set()): Graph {
  const keep32 = new Set<string>();
  for (const n of graph.nodes) {
    for (const k of FLOAT32_ONLY[n.opType] ?? []) if (n.inputs[k]) keep32.add(n.inputs[k]);
    for (const k of FLOAT32_ONLY_OUTPUTS[n.opType] ?? []) if (n.outputs[k]) keep32.add(n.outputs[k]);
  }
  const isF32 = (name: string) => !!name && !keep32.has(name) && info.dtypes.get(name) === 'float32';

  const initializers = new Map(graph.initializers);
  for (const [name, init] of graph.initializers) {
    if (init.dtype === 'float32' && !keep32.has(name)) initializers.set(name, initializerFromTensor(name, toF64Tensor(init.value())));
  }
  const nodes: Node[] = [];
  let counter = 0;
  for (const n of graph.nodes) {
    const attrs: Record<string, AttrValue> = { ...n.attrs };
    const produces32Only = n.outputs.some((o) => keep32.has(o));
    if (!produces32Only) {
      if ((n.opType === 'Cast' || n.opType === 'RandomNormalLike' || n.opType === 'RandomUniformLike') && attrs.to?.kind === 'int' && attrs.to.value === FLOAT32) {
        attrs.to = { kind: 'int', value: FLOAT64 };
      }
      if (n.opType === 'EyeLike' && attrs.dtype?.kind === 'int' && attrs.dtype.value === FLOAT32) attrs.dtype = { kind: 'int', value: FLOAT64 };
      if (n.opType === 'ConstantOfShape') {
        const v = attrs.value;
        if (!v) attrs.value = { kind: 'tensor', value: { dtype: 'float64', dims: [1], data: new Float64Array(1) } };
        else if (v.kind === 'tensor' && v.value.dtype === 'float32') attrs.value = { kind: 'tensor', value: toF64Tensor(v.value) };
      }
      if (n.opType === 'Constant') {
        const v = attrs.value;
        if (v?.kind === 'tensor' && v.value.dtype === 'float32') attrs.value = { kind: 'tensor', value: toF64Tensor(v.value) };
        const f = attrs.value_float;
        if (f?.kind === 'float') {
          delete attrs.value_float;
          attrs.value = { kind: 'tensor', value: { dtype: 'float64', dims: [], data: Float64Array.of(f.value) } };
        }
        const fs = attrs.value_floats;
        if (fs?.kind === 'floats') {
          delete attrs.value_floats;
          attrs.value = { kind: 'tensor', value: { dtype: 'float64', dims: [fs.value.length], data: Float64Array.from(fs.value) } };
        }
      }
    }
    if (!islands.has(n.opType)) {
      nodes.push({ ...n, attrs });
      continue;
    }
    // float32 island: cast float64 inputs down and float32 outputs back up.
    const inputs = n.inputs.map((x) => {
      if (!isF32(x)) return x;
      const y = `${x}__to32_${counter++}`;
      nodes.push({ name: `${y}/cast`, opType: 'Cast', domain: '', inputs: [x], outputs: [y], attrs: { to: { kind: 'int', value: FLOAT32 } } });
      return y;
    });
    const outputs = n.outputs.map((o) => (isF32(o) ? `${o}__f32` : o));
    nodes.push({ ...n, inputs, outputs, attrs: n.attrs });
    n.outputs.forEach((o, i) => {
      if (outputs[i] !== o) {
        nodes.push({ name: `${o}/cast64`, opType: 'Cast', domain: '', inputs: [outputs[i]], outputs: [o], attrs: { to: { kind: 'int', value: FLOAT64 } } });
      }
    });
  }
  const conv = <T extends { dtype: DType; name: string }>(v: T): T =>
    v.dtype === 'float32' && !keep32.has(v.name) ? { ...v, dtype: 'float64' as DType } : v;
  return {
    ...graph,
    nodes,
    inputs: graph.inputs.map(conv),
    outputs: graph.outputs.map(conv),
    initializers,
    valueInfo: new Map(),
  };
}

// ---------------------------------------------------------------------------
// running graphs

export type Feed = { dims: number[]; data: TypedData };

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 4 };

function ortType(data: TypedData): ort.Tensor.Type {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new Error('unsupported feed type');
}

/** onnxruntime tensors for the feeds, float data converted to each graph input's declared float type. */
function feedsFor(feeds: Record<string, Feed>, graph: Graph): Record<string, ort.Tensor> {
  const declared = new Map(graph.inputs.map((i) => [i.name, i.dtype]));
  const out: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) {
    let data = f.data;
    const want = declared.get(name);
    if (want === 'float64' && data instanceof Float32Array) data = Float64Array.from(data);
    if (want === 'float32' && data instanceof Float64Array) data = Float32Array.from(data);
    out[name] = new ort.Tensor(ortType(data), data as never, f.dims);
  }
  return out;
}

function readOutput(t: ort.Tensor): Float64Array {
  const d = t.data as ArrayLike<number | bigint>;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** Ops that onnxruntime may run as an expansion into primitive ops (whose kernels then decide the types). */
const FUNCTION_OPS = new Set(['Gelu', 'HardSwish', 'Mish', 'Celu', 'Softsign', 'Shrink', 'GroupNormalization', 'LayerNormalization']);

/** A compiled graph and the precision it computes in. */
export interface Runner {
  precision: 'float32' | 'float64' | 'mixed';
  /** Op types run as float32 islands. */
  islands: string[];
  run(feeds: Record<string, Feed>, fetch: string[]): Promise<Float64Array[]>;
  release(): Promise<void>;
}

async function session(graph: Graph): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(saveOnnx(graph), SESSION_OPTIONS);
}

function runnerFor(s: ort.InferenceSession, graph: Graph, precision: Runner['precision'], islands: string[]): Runner {
  return {
    precision,
    islands,
    async run(feeds, fetch) {
      const res = await s.run(feedsFor(feeds, graph), fetch);
      return fetch.map((f) => readOutput(res[f]));
    },
    release: () => s.release(),
  };
}

/** A float32 session of the graph as it is. */
export async function float32Runner(graph: Graph): Promise<Runner> {
  return runnerFor(await session(graph), graph, 'float32', []);
}

/**
 * A float64 session of the graph where onnxruntime allows it: op types without a double
 * kernel are found from the session errors and become float32 islands. Undefined if no
 * float64 variant runs (test feeds are tried once, to catch kernels missing only at run time).
 */
export async function float64Runner(graph: Graph, info: ShapeInfo, probe: Record<string, Feed>, fetch: string[]): Promise<Runner | undefined> {
  const islands = new Set<string>();
  for (let attempt = 0; attempt < 24; attempt++) {
    const g64 = toFloat64(graph, info, islands);
    let s: ort.InferenceSession | undefined;
    try {
      s = await session(g64);
      await s.run(feedsFor(probe, g64), fetch);
      // outputs that stay float32 (LayerNormalization statistics) limit the precision like islands do
      const float32Out = g64.outputs.some((o) => o.dtype === 'float32' && fetch.includes(o.name));
      return runnerFor(s, g64, islands.size || float32Out ? 'mixed' : 'float64', [...islands]);
    } catch (e) {
      if (s) await s.release();
      const msg = (e as Error).message;
      // "Could not find an implementation for Conv(11) node with name 'x'"
      let op: string | undefined = /implementation for (\w+)\(/.exec(msg)?.[1];
      const named = /node with name '([^']+)'/.exec(msg)?.[1];
      if (!op && named) op = graph.nodes.find((n) => n.name === named)?.opType;
      if (op && !graph.nodes.some((n) => n.opType === op)) {
        // an op inside the expansion of a function op (Gelu -> Erf, HardSwish -> HardSigmoid ...)
        op = graph.nodes.find((n) => FUNCTION_OPS.has(n.opType) && !islands.has(n.opType))?.opType;
      }
      if (!op || islands.has(op)) return undefined;
      islands.add(op);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// the checker

export interface GradCheckOptions {
  /** RNG seed for the output seeds and the FD directions. Default 1. */
  seed?: number;
  rules?: RuleSet;
  /** Inputs with at most this many elements get a full per-coordinate FD. Default 200. */
  maxFull?: number;
  /** Random directions for the directional check of bigger inputs. Default 3. */
  directions?: number;
  /** FD step in float64 (default 1e-5), with float32 islands (default 3e-3), in float32 (default 1e-2). */
  step64?: number;
  stepMixed?: number;
  step32?: number;
  /** Graph outputs that receive a seed; default: every float output. */
  seedOutputs?: string[];
  /** Inputs to differentiate; default: every float graph input. */
  wrt?: string[];
  /**
   * An equivalent graph (same inputs and outputs) to take the finite differences of, e.g. an op
   * without a float64 kernel in onnxruntime written with ops that have one. Default: `graph`.
   */
  forward?: Graph;
}

export interface InputError {
  name: string;
  mode: 'full' | 'directional';
  /** ||analytic - fd|| / max(||fd||, ||analytic||, 1e-9) */
  relErr: number;
  maxAbsErr: number;
  /** L2 norm of the analytic gradient (or of the directional derivatives). */
  norm: number;
}

export interface GradCheckResult {
  /** Precision of the finite differences. */
  precision: 'float64' | 'mixed' | 'float32';
  /** Op types that ran as float32 islands in the float64 graphs. */
  islands: string[];
  /** Worst relative error over the inputs. */
  relErr: number;
  maxAbsErr: number;
  inputs: InputError[];
  /** Analytic gradients per wrt input (float64 gradient graph when it runs, else float32). */
  gradients: Record<string, Float64Array>;
  /** Relative L2 difference between the float32 and float64 gradient graphs' results (when both ran). */
  f32VsF64?: number;
  /** The FD step used. */
  step: number;
}

const isFloat = (d: DType | undefined) => d === 'float32' || d === 'float64';

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; maxAbs: number; norm: number } {
  let num = 0;
  let na = 0;
  let nb = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    na += a[i] * a[i];
    nb += b[i] * b[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  const denom = Math.max(Math.sqrt(na), Math.sqrt(nb), 1e-9);
  return { rel: Math.sqrt(num) / denom, maxAbs, norm: Math.sqrt(na) };
}

/**
 * Run the gradient graph of `graph` for the given inputs and output seeds; returns the
 * gradient of sum(seed * output) for each wrt input (float32 session, as the engine runs it).
 */
export async function computeGradients(
  graph: Graph,
  inputs: Record<string, Feed>,
  seeds: Record<string, Float32Array>,
  options: { rules?: RuleSet; wrt?: string[] } = {},
): Promise<Record<string, Float64Array>> {
  const shapes = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.dims]));
  const info = inferShapes(graph, shapes);
  const wrt = options.wrt ?? graph.inputs.filter((i) => isFloat(i.dtype)).map((i) => i.name);
  const gg = buildGradientGraph(graph, info, { outputs: [], seeds: Object.keys(seeds), wrt, rules: options.rules ?? gradientRules });
  const feeds: Record<string, Feed> = { ...inputs };
  for (const [name, data] of Object.entries(seeds)) feeds[gg.seedInputs[name]] = { dims: info.shapes.get(name)!, data };
  const runner = await float32Runner(gg.graph);
  try {
    const fetch = wrt.map((w) => gg.gradOutputs[w]);
    const res = await runner.run(feeds, fetch);
    return Object.fromEntries(wrt.map((w, i) => [w, res[i]]));
  } finally {
    await runner.release();
  }
}

/**
 * Compare the gradient graph with central finite differences of L(x) = sum_o <seed_o, output_o(x)>.
 * `inputs` must hold every graph input (non-float ones are fed as they are and not differentiated).
 */
export async function checkGradient(graph: Graph, inputs: Record<string, Feed>, opts: GradCheckOptions = {}): Promise<GradCheckResult> {
  const rng = makeRng(opts.seed ?? 1);
  const shapes = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.dims]));
  for (const i of graph.inputs) if (!inputs[i.name]) throw new Error(`checkGradient: no value for graph input '${i.name}'`);
  const info = inferShapes(graph, shapes);
  const seedOutputs = opts.seedOutputs ?? graph.outputs.filter((o) => isFloat(info.dtypes.get(o.name))).map((o) => o.name);
  const wrt = opts.wrt ?? graph.inputs.filter((i) => isFloat(i.dtype)).map((i) => i.name);
  const seeds = seedOutputs.map((o) => {
    const n = sizeOf(info.shapes.get(o)!);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = Math.round(normal(rng) * 64) / 64; // exactly representable in float32
    return d;
  });

  const gg = buildGradientGraph(graph, info, { outputs: [], seeds: seedOutputs, wrt, rules: opts.rules ?? gradientRules });
  const gradFeeds: Record<string, Feed> = { ...inputs };
  seedOutputs.forEach((o, k) => (gradFeeds[gg.seedInputs[o]] = { dims: info.shapes.get(o)!, data: Float32Array.from(seeds[k]) }));
  const gradFetch = wrt.map((w) => gg.gradOutputs[w]);
  const ggShapes = { ...shapes };
  seedOutputs.forEach((o) => (ggShapes[gg.seedInputs[o]] = info.shapes.get(o)!));
  const ggInfo = inferShapes(gg.graph, ggShapes);

  const runners: Runner[] = [];
  try {
    // analytic gradients: float32 (what the engine runs) and, where onnxruntime allows, float64
    const r32 = await float32Runner(gg.graph);
    runners.push(r32);
    const g32 = await r32.run(gradFeeds, gradFetch);
    const r64 = await float64Runner(gg.graph, ggInfo, gradFeeds, gradFetch);
    let analytic = g32;
    let f32VsF64: number | undefined;
    if (r64) {
      runners.push(r64);
      const g64 = await r64.run(gradFeeds, gradFetch);
      analytic = g64;
      f32VsF64 = Math.max(0, ...g32.map((g, i) => relL2(g, g64[i]).rel));
    }

    // forward for the finite differences
    const fetch = seedOutputs;
    const fdGraph = opts.forward ?? graph;
    const fdInfo = opts.forward ? inferShapes(opts.forward, shapes) : info;
    let fwd = await float64Runner(fdGraph, fdInfo, inputs, fetch);
    if (!fwd) fwd = await float32Runner(fdGraph);
    runners.push(fwd);
    const step = fwd.precision === 'float64' ? (opts.step64 ?? 1e-5) : fwd.precision === 'mixed' ? (opts.stepMixed ?? 3e-3) : (opts.step32 ?? 1e-2);
    const base: Record<string, Feed> = {};
    for (const [k, v] of Object.entries(inputs)) {
      base[k] = v.data instanceof Float32Array || v.data instanceof Float64Array ? { dims: v.dims, data: Float64Array.from(v.data) } : v;
    }
    const loss = async (feeds: Record<string, Feed>): Promise<number> => {
      const outs = await fwd!.run(feeds, fetch);
      let s = 0;
      outs.forEach((o, k) => {
        for (let i = 0; i < o.length; i++) s += seeds[k][i] * o[i];
      });
      return s;
    };

    const maxFull = opts.maxFull ?? 200;
    const results: InputError[] = [];
    const gradients: Record<string, Float64Array> = {};
    for (let w = 0; w < wrt.length; w++) {
      const name = wrt[w];
      const x = base[name].data as Float64Array;
      const g = analytic[w];
      gradients[name] = g;
      const perturbed = (delta: (i: number) => number): Record<string, Feed> => {
        const d = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) d[i] = x[i] + delta(i);
        return { ...base, [name]: { dims: base[name].dims, data: d } };
      };
      if (x.length <= maxFull) {
        const fd = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const up = await loss(perturbed((j) => (j === i ? step : 0)));
          const down = await loss(perturbed((j) => (j === i ? -step : 0)));
          fd[i] = (up - down) / (2 * step);
        }
        const e = relL2(g, fd);
        results.push({ name, mode: 'full', relErr: e.rel, maxAbsErr: e.maxAbs, norm: e.norm });
      } else {
        const k = opts.directions ?? 3;
        const an: number[] = [];
        const fd: number[] = [];
        for (let d = 0; d < k; d++) {
          const v = new Float64Array(x.length);
          let nv = 0;
          for (let i = 0; i < v.length; i++) {
            v[i] = normal(rng);
            nv += v[i] * v[i];
          }
          nv = Math.sqrt(nv);
          let dot = 0;
          for (let i = 0; i < v.length; i++) {
            v[i] /= nv;
            dot += g[i] * v[i];
          }
          const up = await loss(perturbed((i) => step * v[i]));
          const down = await loss(perturbed((i) => -step * v[i]));
          an.push(dot);
          fd.push((up - down) / (2 * step));
        }
        const e = relL2(an, fd);
        // directional derivatives can be small by chance: compare against the gradient's norm too
        let gn = 0;
        for (let i = 0; i < g.length; i++) gn += g[i] * g[i];
        gn = Math.sqrt(gn);
        const rel = Math.sqrt(an.reduce((s, a, i) => s + (a - fd[i]) ** 2, 0)) / Math.max(Math.sqrt(an.reduce((s, a) => s + a * a, 0)), gn / Math.sqrt(x.length), 1e-12);
        results.push({ name, mode: 'directional', relErr: Math.min(e.rel, rel), maxAbsErr: e.maxAbs, norm: e.norm });
      }
    }
    return {
      precision: fwd.precision,
      islands: [...new Set([...(r64?.islands ?? []), ...fwd.islands])],
      relErr: Math.max(0, ...results.map((r) => r.relErr)),
      maxAbsErr: Math.max(0, ...results.map((r) => r.maxAbsErr)),
      inputs: results,
      gradients,
      f32VsF64,
      step,
    };
  } finally {
    for (const r of runners) await r.release();
  }
}
