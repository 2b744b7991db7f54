/**
 * Running methods for the CLI verbs: which runs a (methods x baselines) request expands
 * to, the model's predictions, each run's attribution with its timings, and a Model
 * wrapper that counts evaluations for the progress bar.
 */
import type { Model, RunAsk, RunResult } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import {
  averageOverBaselines,
  expectedGradients,
  gradient,
  inputXGradient,
  integratedGradients,
  integratedGradientsPath,
  smoothGrad,
  type Attribution,
  remapTarget,
  type PathData,
} from '../methods/index.js';
import type { Preprocessing } from '../baselines/index.js';
import type { MadeBaseline } from './baselines.js';
import { baselineId, baselineTitle, METHOD_TITLES, usesBaseline, type BaselineSpec, type MethodName, type Steps } from './specs.js';
import type { Progress } from './progress.js';

/** One column of a comparison: a method, with a baseline when it takes one. */
export interface RunPlan {
  /** File-name-safe id: 'ig-black', 'ig-blur-sigma5', 'gradient'. */
  id: string;
  method: MethodName;
  baseline?: BaselineSpec;
  /** 'Integrated Gradients'. */
  title: string;
  /** 'blur σ=5' (the baseline), when there is one. */
  subtitle?: string;
}

/** Methods x baselines -> runs; methods without a baseline run once, whatever the baselines. */
export function planRuns(methods: readonly MethodName[], baselines: readonly BaselineSpec[]): RunPlan[] {
  const plans: RunPlan[] = [];
  const seen = new Set<string>();
  for (const m of methods) {
    const list: readonly (BaselineSpec | undefined)[] = usesBaseline(m) ? baselines : [undefined];
    for (const b of list) {
      const id = b ? `${m}-${baselineId(b)}` : m;
      if (seen.has(id)) continue;
      seen.add(id);
      plans.push({ id, method: m, baseline: b, title: METHOD_TITLES[m], subtitle: b ? baselineTitle(b) : undefined });
    }
  }
  return plans;
}

export interface RunSettings {
  steps: Steps;
  /** Draws per input: SmoothGrad's noisy copies, random baselines' draws, Expected Gradients' samples. */
  samples?: number;
  /** SmoothGrad's noise level (fraction of each input's range). */
  noise?: number;
  seed: number;
  batchSize?: number;
  /** Pixel <-> model space, for the black default of the path figure. */
  preprocessing?: Preprocessing;
}

export const SAMPLE_DEFAULTS = { smoothgrad: 25, baselineDraws: 10, expectedgradients: 20 } as const;

/** Evaluations (examples through the model) a run will take, for the progress bar. */
export function estimateEvaluations(plan: RunPlan, n: number, s: RunSettings, random: boolean): number {
  const steps = s.steps.steps;
  switch (plan.method) {
    case 'gradient':
    case 'inputxgradient':
      return n;
    case 'smoothgrad':
      return n * (s.samples ?? SAMPLE_DEFAULTS.smoothgrad);
    case 'expectedgradients':
      return n * 2 * (s.samples ?? SAMPLE_DEFAULTS.expectedgradients) + n;
    case 'ig':
      return random ? n * (s.samples ?? SAMPLE_DEFAULTS.baselineDraws) * (steps + 2) : n * (steps + 2);
  }
}

export interface RunOutcome {
  plan: RunPlan;
  attribution: Attribution;
  baseline?: MadeBaseline;
  /** Completeness delta per input, sum(phi) - (f(x) - f(x')), where the method defines it. */
  delta?: Float32Array;
  /** f(x) and f(x') of the explained target, per input (plain Integrated Gradients). */
  outputs?: { input: Float32Array; baseline: Float32Array };
  /** Steps each input needed (--steps auto). */
  stepsUsed?: number[];
  wallMs: number;
}

/** Run one plan on a batch, explaining class `classes[e]` of input e. */
export async function computeRun(
  model: Model,
  batch: Float32Array,
  classes: readonly number[],
  plan: RunPlan,
  made: MadeBaseline | undefined,
  s: RunSettings,
): Promise<RunOutcome> {
  const t0 = performance.now();
  const common = { target: classes, batchSize: s.batchSize, seed: s.seed };
  let a: Attribution;
  let outputs: RunOutcome['outputs'];
  let stepsUsed: number[] | undefined;
  switch (plan.method) {
    case 'gradient':
      a = await gradient(model, batch, { target: classes, batchSize: s.batchSize });
      break;
    case 'inputxgradient':
      a = await inputXGradient(model, batch, { target: classes, batchSize: s.batchSize });
      break;
    case 'smoothgrad':
      a = await smoothGrad(model, batch, { ...common, samples: s.samples ?? SAMPLE_DEFAULTS.smoothgrad, sigma: s.noise ?? 0.15 });
      break;
    case 'expectedgradients':
      a = await expectedGradients(model, batch, { ...common, baseline: made!.baseline, samples: s.samples ?? SAMPLE_DEFAULTS.expectedgradients });
      break;
    case 'ig': {
      const ig = { steps: s.steps.steps, autoSteps: s.steps.auto ? { tolerance: 0.05, maxSteps: 1024 } : false };
      if (made!.random) {
        a = await averageOverBaselines(model, batch, {
          ...common,
          baseline: made!.baseline,
          samples: s.samples ?? SAMPLE_DEFAULTS.baselineDraws,
          methodOptions: ig,
        });
      } else {
        const r = await integratedGradients(model, batch, { ...common, ...ig, baseline: made!.baseline });
        a = r;
        outputs = r.outputs;
        stepsUsed = r.convergence?.steps;
      }
      break;
    }
  }
  return { plan, attribution: a, baseline: made, delta: a.delta, outputs, stepsUsed, wallMs: performance.now() - t0 };
}

/** The straight-line path data for the IG figures (black baseline unless given). */
export async function computePath(
  model: Model,
  batch: Float32Array,
  classes: readonly number[],
  made: MadeBaseline | undefined,
  s: RunSettings & { grid?: number; pathSteps?: number },
): Promise<PathData> {
  return integratedGradientsPath(model, batch, {
    target: classes,
    baseline: made?.baseline,
    preprocessing: s.preprocessing,
    grid: s.grid ?? 6,
    steps: s.pathSteps ?? 50,
    seed: s.seed,
    batchSize: s.batchSize,
  });
}

export interface Prediction {
  class: number;
  label: string;
  logit: number;
  /** Softmax of the output (or the output itself when the model already outputs probabilities). */
  probability: number;
}

/** Whether each example's outputs already are probabilities (a softmax inside the model). */
function looksLikeProbabilities(out: Float32Array, n: number, k: number): boolean {
  if (k < 2) return false;
  for (let e = 0; e < n; e++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = out[e * k + j];
      if (!(v >= 0 && v <= 1)) return false;
      s += v;
    }
    if (Math.abs(s - 1) > 1e-3) return false;
  }
  return true;
}

/** Every input's outputs and its classes ranked (top `keep`), with labels. */
export async function predict(model: Model, batch: Float32Array, labels: readonly string[] | undefined, keep = 5): Promise<{ logits: Float32Array; ranked: Prediction[][] }> {
  const k = sizeOfShape(model.outputShape);
  const n = batch.length / sizeOfShape(model.inputShape);
  const logits = (await model.run(batch, { outputs: ['logits'] }))['logits'];
  const already = looksLikeProbabilities(logits, n, k);
  const ranked: Prediction[][] = [];
  for (let e = 0; e < n; e++) {
    const row = logits.subarray(e * k, (e + 1) * k);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let total = 0;
    const p = Float64Array.from(row, (v) => Math.exp(v - max));
    for (const v of p) total += v;
    const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => row[b] - row[a] || a - b);
    ranked.push(
      order.slice(0, keep).map((c) => ({
        class: c,
        label: labels?.[c] ?? `class ${c}`,
        logit: row[c],
        probability: k === 1 ? row[c] : already ? row[c] : p[c] / total,
      })),
    );
  }
  return { logits, ranked };
}

/**
 * A Model that reports every evaluation to the progress bar (and otherwise is the model).
 * With `piece`, gradient requests are passed on in pieces of that many examples, so a
 * slow model (MobileNetV2 on tfjs: ~0.15 s an example) moves the bar every second or so
 * instead of once per 16-example chunk; results are concatenated back, example order kept.
 */
export class CountingModel implements Model {
  private readonly per: number;
  constructor(
    readonly inner: Model,
    private readonly progress: Progress,
    private readonly piece?: number,
  ) {
    this.per = sizeOfShape(inner.inputShape);
  }
  get inputShape() {
    return this.inner.inputShape;
  }
  get outputShape() {
    return this.inner.outputShape;
  }
  get inputRange() {
    return this.inner.inputRange;
  }
  get taps() {
    return this.inner.taps;
  }
  /** The inner model's batch size (the methods' default chunk). */
  get batchSize(): number | undefined {
    return (this.inner as { batchSize?: number }).batchSize;
  }
  shapeOf(name: string) {
    return this.inner.shapeOf(name);
  }
  inspect() {
    return this.inner.inspect();
  }
  dispose() {
    return this.inner.dispose();
  }
  async run(batch: Float32Array, ask: RunAsk): Promise<RunResult> {
    const n = batch.length / this.per;
    const piece = this.piece;
    if (!ask.gradients || !piece || n <= piece) {
      const r = await this.inner.run(batch, ask);
      this.progress.advance(n);
      return r;
    }
    const seed = ask.gradients.seed;
    const outSize = sizeOfShape(this.inner.outputShape);
    const parts: RunResult[] = [];
    for (let start = 0; start < n; start += piece) {
      const m = Math.min(piece, n - start);
      const pieceSeed = seed instanceof Float32Array ? seed.subarray(start * outSize, (start + m) * outSize) : remapTarget(seed, (i) => start + i);
      parts.push(await this.inner.run(batch.subarray(start * this.per, (start + m) * this.per), { ...ask, gradients: { ...ask.gradients, seed: pieceSeed } }));
      this.progress.advance(m);
    }
    const out: RunResult = {};
    for (const key of Object.keys(parts[0])) {
      const total = parts.reduce((t, p) => t + p[key].length, 0);
      const joined = new Float32Array(total);
      let offset = 0;
      for (const p of parts) {
        joined.set(p[key], offset);
        offset += p[key].length;
      }
      out[key] = joined;
    }
    return out;
  }
}
