/**
 * The JSON records of a session's runs (explain.json, compare.json): the inputs with
 * their predictions, the model, and per run its method, options, baseline, completeness
 * delta, f(x), f(x') and timings.
 */
import { isRandom } from '../baselines/baseline.js';
import { baselineId, baselineTitle } from '../baselines/spec.js';
import { mapKindOf, type MapKind } from './maps.js';
import type { RunOutcome } from './plan.js';
import type { Prediction } from './predict.js';
import { labelOf, type Session } from './session.js';
import { targetLabelFor, type TargetText } from '../targets/spec.js';

export interface InputRecord {
  index: number;
  /** The image file, or 'x[i]' for --input. */
  name: string;
  file?: string;
  /**
   * What is explained: a class (its index and label), or a target beyond one class
   * (detection, box, segment, similarity: named by its label, no class).
   */
  target: { kind: 'class' | TargetText['kind']; class?: number; label: string };
  prediction: Prediction;
  top: Prediction[];
}

export interface RunRecord {
  id: string;
  method: string;
  title: string;
  /** The baseline, one name per concept: as written, for file names, for column heads, in a sentence. */
  baseline?: { text: string; id: string; title: string; description: string; random: boolean };
  /** The method's options as resolved from flags and defaults (the registry's). */
  options: Record<string, unknown>;
  params: Record<string, unknown>;
  target: string;
  /**
   * What the values are: shaped like the input, a spatial map per input, or a layer's
   * shape; `resolution` 'layer' when the map is at a layer's resolution (note says which).
   */
  values: { kind: MapKind['kind']; resolution: MapKind['resolution']; shape: number[]; layer?: string; note?: string };
  timings: { wallMs: number; modelMs: number; modelCalls: number; forwardExamples: number; backwardExamples: number };
  /** Per input. */
  results: Array<{
    input: number;
    /** sum(phi) - (f(x) - f(x')), where defined. */
    delta?: number;
    /** Sum of the attribution. */
    sum: number;
    /** f(x) and f(x') of the target (plain Integrated Gradients). */
    fx?: number;
    fBaseline?: number;
    /** delta / (f(x) - f(x')): the completeness error relative to what is explained. */
    relativeDelta?: number;
    /** Integrated Gradients steps taken for this input (as given, or what --steps auto reached). */
    stepsUsed?: number;
    files?: Record<string, string>;
  }>;
  /** --input mode: the attribution file of all inputs. */
  file?: string;
}

export function inputRecords(session: Session): InputRecord[] {
  return session.names.map((name, e) => ({
    index: e,
    name,
    file: session.files?.[e],
    target: session.target
      ? { kind: session.targetRequest.kind === 'text' ? session.targetRequest.text.kind : 'class', label: targetLabelFor(session.target, e) }
      : { kind: 'class', class: session.classes[e], label: labelOf(session, session.classes[e]) },
    prediction: session.predictions[e][0],
    top: session.predictions[e],
  }));
}

function sumOf(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** |delta| above this share of |f(x) - f(x')| is warned about (--steps auto's tolerance). */
export const DELTA_TOLERANCE = 0.05;

/** The record of a run over n inputs of `inputShape`. */
export function runRecord(o: RunOutcome, n: number, inputShape: readonly number[]): RunRecord {
  const a = o.attribution;
  const per = a.values.length / n;
  const kind = mapKindOf(a, n, inputShape);
  const fixedSteps = typeof a.params['steps'] === 'number' && !a.params['autoSteps'] ? (a.params['steps'] as number) : undefined;
  const relative = (e: number) => {
    const d = o.delta?.[e];
    const span = o.outputs ? o.outputs.input[e] - o.outputs.baseline[e] : undefined;
    return d === undefined || span === undefined || span === 0 ? undefined : d / span;
  };
  return {
    id: o.plan.id,
    method: a.method,
    title: o.plan.subtitle ? `${o.plan.title} (${o.plan.subtitle})` : o.plan.title,
    baseline: o.baseline
      ? { text: o.baseline.spec.text, id: baselineId(o.baseline.spec), title: baselineTitle(o.baseline.spec), description: o.baseline.description, random: isRandom(o.baseline.baseline) }
      : undefined,
    options: o.plan.options,
    params: a.params,
    target: a.target,
    values: { kind: kind.kind, resolution: kind.resolution, shape: kind.shape, layer: kind.layer, note: kind.note },
    timings: {
      wallMs: o.wallMs,
      modelMs: a.timings.modelMs,
      modelCalls: a.timings.modelCalls,
      forwardExamples: a.timings.forwardExamples,
      backwardExamples: a.timings.backwardExamples,
    },
    results: Array.from({ length: n }, (_, e) => ({
      input: e,
      delta: o.delta?.[e],
      sum: sumOf(a.values.subarray(e * per, (e + 1) * per)),
      fx: o.outputs?.input[e],
      fBaseline: o.outputs?.baseline[e],
      relativeDelta: relative(e),
      stepsUsed: o.stepsUsed?.[e] ?? (o.delta ? fixedSteps : undefined),
    })),
  };
}

/** A sentence per (run, input) whose completeness error exceeds DELTA_TOLERANCE. */
export function completenessWarnings(runs: readonly RunRecord[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    for (const x of run.results) {
      if (x.relativeDelta === undefined || !(Math.abs(x.relativeDelta) > DELTA_TOLERANCE)) continue;
      out.push(
        `${run.id} on ${names[x.input]}: |δ| is ${(100 * Math.abs(x.relativeDelta)).toFixed(1)}% of |f(x) - f(x')| (tolerance ${100 * DELTA_TOLERANCE}%)` +
          `${x.stepsUsed ? ` with ${x.stepsUsed} steps` : ''}: the attribution does not add up to the change it explains; use more --steps, or --steps auto`,
      );
    }
  }
  return out;
}

/** 'δ -3.76e-1 (8.8% of f(x) - f(x'), 64 steps)'; several inputs: the worst one. */
export function deltaSummary(run: RunRecord): string {
  const rows = run.results.filter((x) => x.delta !== undefined);
  if (rows.length === 0) return 'n/a (not a path method)';
  const size = (x: (typeof rows)[number]) => Math.abs(x.relativeDelta ?? x.delta!);
  const worst = rows.reduce((a, b) => (size(b) > size(a) ? b : a));
  const rel = worst.relativeDelta === undefined ? '' : `${(100 * worst.relativeDelta).toFixed(1)}% of f(x) - f(x')`;
  const steps = [...new Set(rows.map((x) => x.stepsUsed).filter((s): s is number => s !== undefined))];
  const stepText = steps.length === 0 ? '' : `${steps.length === 1 ? steps[0] : `${Math.min(...steps)}-${Math.max(...steps)}`} steps`;
  const detail = [rel, stepText].filter(Boolean).join(', ');
  const lead = rows.length === 1 ? `δ ${worst.delta!.toExponential(2)}` : `worst δ ${worst.delta!.toExponential(2)} of ${rows.length} inputs`;
  return detail ? `${lead} (${detail})` : lead;
}

export interface ModelRecord {
  spec: string;
  format: string;
  inputShape: number[];
  outputShape: number[];
  preprocessing?: Record<string, unknown>;
}

export function modelRecord(session: Session): ModelRecord {
  const p = session.prep;
  return {
    spec: session.opened.spec,
    format: session.opened.info.format,
    inputShape: [...session.opened.model.inputShape],
    outputShape: [...session.opened.model.outputShape],
    preprocessing: p
      ? { size: [p.height, p.width], resize: p.resize, cropFraction: p.cropFraction, channels: p.channels, layout: p.layout, pixelRange: p.pixelRange, mean: p.mean, std: p.std }
      : session.space
        ? { ...session.space }
        : undefined,
  };
}

