/**
 * `saliency explain`: attributions of one model for image files or a batch of
 * preprocessed inputs, written as files.
 *
 * Images: per image and run, `<stem>.<run>.heatmap.png` (magnitude: channels summed,
 * |.|, capped at the 99th percentile, inferno), `<stem>.<run>.signed.png` (PiYG,
 * negative pink / positive green), `<stem>.<run>.overlay.png` (the heat map over a grey
 * copy of the input), `<stem>.<run>.npy` (the raw attribution, [1, ...inputShape], the
 * model input's shape). Inputs (--input x.npy): `attributions.<run>.npy`, the shape of
 * x.npy. Both: `explain.json`, the record (model, inputs with predictions, target, and
 * per run: method, parameters, baseline, completeness delta, f(x), f(x'), timings).
 * Everything is staged and moved into --out only when all of it is written.
 */
import { encodeNpy } from '../io/npy.js';
import { sizeOfShape } from '../engine/model.js';
import type { PreprocessingFlags } from '../io/preprocess.js';
import { exampleOf } from '../viz/index.js';
import { displayAspect, encodePicture, panelsOf } from './pictures.js';
import { Progress } from './progress.js';
import { planRuns, type Prediction, type RunOutcome, type RunSettings } from './run.js';
import { estimateAll, labelOf, openSession, runAll, type Session } from './session.js';
import { OutputStage } from './staging.js';
import {
  parseBaseline,
  parseMethod,
  parsePositiveInt,
  parsePositiveNumber,
  parseSeed,
  parseSteps,
  splitList,
  type BaselineSpec,
  type MethodName,
} from './specs.js';

/** Options as the CLI flags give them (strings) or as a program does (numbers). */
export interface ExplainOptions {
  /** An .onnx file, a tfjs model.json (or its directory), or 'nsfwjs:mobilenet_v2'. */
  model: string;
  images?: readonly string[];
  /** A .npy of preprocessed inputs. */
  input?: string;
  /** Method names (or comma-separated lists); default ['ig']. */
  methods?: readonly string[];
  /** Baseline specs; default ['black']. */
  baselines?: readonly string[];
  /** IG steps or 'auto'; default 64. */
  steps?: string | number;
  /** 'top1' (default), a class index, or a .npy / .json file of one class per input. */
  target?: string | number;
  /** Output directory; default './saliency-out'. */
  out?: string;
  batchSize?: string | number;
  seed?: string | number;
  /** SmoothGrad's noisy copies / random baselines' draws / Expected Gradients' samples. */
  samples?: string | number;
  /** SmoothGrad's noise level (fraction of the input's range); default 0.15. */
  noise?: string | number;
  preprocessing?: PreprocessingFlags;
  progress?: Progress;
}

export interface ParsedRequest {
  methods: MethodName[];
  baselines: BaselineSpec[];
  settings: RunSettings;
  batchSize?: number;
}

const str = (v: string | number | undefined) => (v === undefined ? undefined : String(v));

/** The flags every attribution verb shares, parsed (usage errors name the flag). */
export function parseRequest(o: Pick<ExplainOptions, 'methods' | 'baselines' | 'steps' | 'batchSize' | 'seed' | 'samples' | 'noise'>, defaults: { methods: string[]; baselines: string[] }): ParsedRequest {
  const methodNames = splitList(o.methods && o.methods.length ? o.methods : defaults.methods);
  const methods = [...new Set(methodNames.map(parseMethod))];
  const baselineTexts = splitList(o.baselines && o.baselines.length ? o.baselines : defaults.baselines);
  const baselines = baselineTexts.map(parseBaseline);
  const batchSize = parsePositiveInt('--batch-size', str(o.batchSize));
  return {
    methods,
    baselines,
    batchSize,
    settings: {
      steps: parseSteps(str(o.steps)),
      samples: parsePositiveInt('--samples', str(o.samples)),
      noise: parsePositiveNumber('--noise', str(o.noise)),
      seed: parseSeed(str(o.seed)),
      batchSize,
    },
  };
}

export interface InputRecord {
  index: number;
  /** The image file, or 'x[i]' for --input. */
  name: string;
  file?: string;
  /** The class explained and its label. */
  target: { class: number; label: string };
  prediction: Prediction;
  top: Prediction[];
}

export interface RunRecord {
  id: string;
  method: string;
  title: string;
  baseline?: { spec: string; label: string; description: string; random: boolean };
  params: Record<string, unknown>;
  target: string;
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
    stepsUsed?: number;
    files?: Record<string, string>;
  }>;
  /** --input mode: the attribution file of all inputs. */
  file?: string;
}

export interface ExplainRecord {
  tool: string;
  command: 'explain';
  model: { spec: string; format: string; inputShape: number[]; outputShape: number[]; preprocessing?: Record<string, unknown> };
  inputs: InputRecord[];
  /** The input .npy's shape, or [n, ...inputShape]. */
  shape: number[];
  targetSpec: string;
  settings: { steps: number | 'auto'; samples?: number; noise?: number; seed: number; batchSize?: number };
  runs: RunRecord[];
  timings: { loadMs: number; predictMs: number; totalMs: number };
}

export interface ExplainResult {
  record: ExplainRecord;
  out: string;
  files: string[];
}

export function inputRecords(session: Session): InputRecord[] {
  return session.names.map((name, e) => ({
    index: e,
    name,
    file: session.files?.[e],
    target: { class: session.classes[e], label: labelOf(session, session.classes[e]) },
    prediction: session.predictions[e][0],
    top: session.predictions[e],
  }));
}

function sumOf(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

export function runRecord(o: RunOutcome, per: number): RunRecord {
  const a = o.attribution;
  const n = a.values.length / per;
  return {
    id: o.plan.id,
    method: a.method,
    title: o.plan.subtitle ? `${o.plan.title} (${o.plan.subtitle})` : o.plan.title,
    baseline: o.baseline && o.plan.baseline ? { spec: o.plan.baseline.text, label: o.plan.subtitle ?? o.plan.baseline.text, description: o.baseline.description, random: o.baseline.random } : undefined,
    params: a.params,
    target: a.target,
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
      stepsUsed: o.stepsUsed?.[e],
    })),
  };
}

export function modelRecord(session: Session): ExplainRecord['model'] {
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

export async function explain(options: ExplainOptions): Promise<ExplainResult> {
  const t0 = performance.now();
  const req = parseRequest(options, { methods: ['ig'], baselines: ['black'] });
  const plans = planRuns(req.methods, req.baselines);
  const progress = options.progress ?? new Progress();
  const session = await openSession({
    model: options.model,
    images: options.images,
    input: options.input,
    target: str(options.target),
    batchSize: req.batchSize,
    preprocessing: options.preprocessing,
    progress,
  });
  try {
    const per = sizeOfShape(session.opened.model.inputShape);
    const n = session.names.length;
    const out = options.out ?? 'saliency-out';
    const { result, files } = await OutputStage.run(out, async (stage) => {
      progress.begin(estimateAll(session, plans, req.settings), '');
      const outcomes = await runAll(session, plans, req.settings);
      progress.end();
      const runs = outcomes.map((o) => runRecord(o, per));
      if (session.images) {
        for (let e = 0; e < n; e++) {
          const img = session.images[e];
          const aspect = displayAspect(session.prep!, img.source);
          for (const [r, o] of outcomes.entries()) {
            const values = exampleOf(o.attribution.values, [n, ...session.opened.model.inputShape], e);
            const p = panelsOf(values, session.prep!, img.picture);
            const stem = `${session.names[e]}.${o.plan.id}`;
            const written: Record<string, string> = {};
            for (const [kind, image] of [
              ['heatmap', p.heatmap.image],
              ['signed', p.signed.image],
              ['overlay', p.overlay!],
            ] as const) {
              const name = `${stem}.${kind}.png`;
              stage.write(name, (await encodePicture(image, { aspect })).png);
              written[kind] = name;
            }
            const npy = `${stem}.npy`;
            stage.write(npy, encodeNpy({ shape: [1, ...session.opened.model.inputShape], data: Float32Array.from(values) }));
            written['npy'] = npy;
            runs[r].results[e].files = written;
          }
        }
      } else {
        for (const [r, o] of outcomes.entries()) {
          const name = `attributions.${o.plan.id}.npy`;
          stage.write(name, encodeNpy({ shape: session.shape, data: o.attribution.values }));
          runs[r].file = name;
        }
      }
      const record: ExplainRecord = {
        tool: 'saliency-lab',
        command: 'explain',
        model: modelRecord(session),
        inputs: inputRecords(session),
        shape: session.shape,
        targetSpec: str(options.target) ?? 'top1',
        settings: {
          steps: req.settings.steps.auto ? 'auto' : req.settings.steps.steps,
          samples: req.settings.samples,
          noise: req.settings.noise,
          seed: req.settings.seed,
          batchSize: req.batchSize,
        },
        runs,
        timings: { loadMs: session.loadMs, predictMs: session.predictMs, totalMs: 0 },
      };
      record.timings.totalMs = performance.now() - t0;
      stage.write('explain.json', JSON.stringify(record, null, 2) + '\n');
      return record;
    });
    return { record: result, out, files };
  } finally {
    progress.end();
    await session.opened.dispose();
  }
}

/** The human summary of an explain record. */
export function describeExplain(r: ExplainResult): string {
  const rec = r.record;
  const lines: string[] = [];
  const pct = (p: number) => `${(100 * p).toFixed(1)}%`;
  lines.push(`model    ${rec.model.spec} (${rec.model.format}, input [${rec.model.inputShape.join(', ')}] -> [${rec.model.outputShape.join(', ')}])`);
  for (const i of rec.inputs) {
    const explained = i.target.class === i.prediction.class ? '' : `, explaining ${i.target.label} (class ${i.target.class})`;
    lines.push(`input    ${i.name.padEnd(24)} predicted ${i.prediction.label} ${pct(i.prediction.probability)}${explained}`);
  }
  lines.push('');
  const w = Math.max(12, ...rec.runs.map((x) => x.id.length));
  lines.push(`${'run'.padEnd(w)}  ${'time'.padStart(8)}  delta = sum(phi) - (f(x) - f(x'))`);
  for (const run of rec.runs) {
    const deltas = run.results.map((x) => x.delta).filter((d): d is number => d !== undefined);
    const d = deltas.length === 0 ? 'n/a (not a path method)' : deltas.length === 1 ? deltas[0].toExponential(2) : `max |delta| ${Math.max(...deltas.map(Math.abs)).toExponential(2)} over ${deltas.length} inputs`;
    lines.push(`${run.id.padEnd(w)}  ${(run.timings.wallMs / 1000).toFixed(2).padStart(6)} s  ${d}`);
  }
  lines.push('');
  lines.push(`wrote ${r.files.length} files to ${r.out}/ (explain.json describes them)`);
  return lines.join('\n');
}
