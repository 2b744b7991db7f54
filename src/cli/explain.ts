/**
 * `saliency explain`: attributions of one model for image files or a batch of
 * preprocessed inputs, written as files.
 *
 * Images: per image and run, `<stem>.<run>.heatmap.png` (magnitude: channels summed,
 * |.|, capped at the 99th percentile, inferno), `<stem>.<run>.signed.png` (PiYG,
 * negative pink / positive green), `<stem>.<run>.overlay.png` (the heat map over a grey
 * copy of the input), `<stem>.<run>.npy` (the raw attribution, [1, ...inputShape], the
 * model input's shape; a CAM's [1, H, W]; a layer attribution's [1, ...layer shape], with
 * pictures of its channel sum at spatial layers and none at others: the record's
 * `values` says which, and when a map is at a layer's resolution); for a CAM also
 * `<stem>.<run>.layer.npy`, its raw signed map at the layer's resolution [1, h, w] (before
 * ReLU, upsampling and normalisation; `attributions.<run>.layer.npy` [n, h, w] for --input). Inputs (--input x.npy): `attributions.<run>.npy`, the shape of
 * x.npy. Both: `explain.json`, the record (model, inputs with predictions, target, and
 * per run: method, parameters, baseline, completeness delta, f(x), f(x'), timings).
 * Everything is staged and moved into --out only when all of it is written.
 */
import { encodeNpy } from '../io/npy.js';
import { exampleValues, mapKindOf, pictureOf, type MapKind } from '../app/maps.js';
import type { Attribution } from '../methods/attribution.js';
import { displayAspect, encodePicture, panelsOf } from '../app/pictures.js';
import { completenessWarnings, deltaSummary, inputRecords, modelRecord, runRecord, type InputRecord, type ModelRecord, type RunRecord } from '../app/records.js';
import { describeAssumptions, type Assumption } from '../io/preprocess.js';
import { parseRequest, type VerbOptions } from '../app/request.js';
import { contextOf, estimateAll, openSession, runAll } from '../app/session.js';
import { Progress } from './progress.js';
import { OutputStage } from './staging.js';

export type { InputRecord, RunRecord } from '../app/records.js';

/** Options as the CLI flags give them (strings) or as a program does (numbers). */
export interface ExplainOptions extends VerbOptions {
  /** A .npy of preprocessed inputs. */
  input?: string;
  /** Output directory; default './saliency-out'. */
  out?: string;
}

/**
 * A CAM's raw signed map at its layer's resolution (before ReLU, upsampling and
 * normalisation), when the written map is the input-sized one: example e's [1, h, w], or
 * all n [n, h, w].
 */
function layerMapOf(a: Attribution, kind: MapKind, n: number, e?: number): { shape: number[]; data: Float32Array } | undefined {
  const x = a as Attribution & { layerMap?: Float32Array; layerShape?: number[] };
  if (kind.kind !== 'spatial' || kind.resolution !== 'input' || !x.layerMap || !x.layerShape) return undefined;
  const [h, w] = x.layerShape.slice(1);
  if (e === undefined) return { shape: [n, h, w], data: x.layerMap };
  return { shape: [1, h, w], data: x.layerMap.slice(e * h * w, (e + 1) * h * w) };
}

const str = (v: string | number | undefined) => (v === undefined ? undefined : String(v));

export interface ExplainRecord {
  tool: string;
  command: 'explain';
  model: ModelRecord;
  inputs: InputRecord[];
  /** The input .npy's shape, or [n, ...inputShape]. */
  shape: number[];
  targetSpec: string;
  /** The method flags given (by flag name), the seed and the batch size; each run records its resolved options. */
  settings: { options: Record<string, unknown>; seed: number; batchSize?: number };
  /** Everything the tool chose because nothing said it: key, value, why, the flag that sets it. */
  assumptions: Assumption[];
  /** Runs whose |delta| exceeds 5% of |f(x) - f(x')|, as sentences. */
  warnings: string[];
  runs: RunRecord[];
  timings: { loadMs: number; predictMs: number; totalMs: number };
}

export interface ExplainResult {
  record: ExplainRecord;
  out: string;
  files: string[];
}

export async function explain(options: ExplainOptions): Promise<ExplainResult> {
  const t0 = performance.now();
  const req = parseRequest(options, { methods: ['ig'], baselines: ['black'] });
  const plans = req.plans;
  const progress = options.progress ?? new Progress();
  const session = await openSession({
    model: options.model,
    images: options.images,
    input: options.input,
    target: str(options.target),
    mask: options.mask,
    batchSize: req.batchSize,
    preprocessing: options.preprocessing,
    output: options.output,
    progress,
  });
  try {
    const n = session.names.length;
    const out = options.out ?? 'saliency-out';
    for (const line of describeAssumptions(session.assumptions)) options.onNote?.(`assuming ${line}`);
    const { result, files } = await OutputStage.run(out, async (stage) => {
      progress.begin(await estimateAll(session, plans, req.seed), '');
      const outcomes = await runAll(session, plans, contextOf(session, req.seed, req.batchSize));
      progress.end();
      const inputShape = session.opened.model.inputShape;
      const runs = outcomes.map((o) => runRecord(o, n, inputShape));
      const warnings = completenessWarnings(runs, session.names);
      for (const w of warnings) options.onNote?.(`warning: ${w}`);
      if (session.images) {
        for (let e = 0; e < n; e++) {
          const img = session.images[e];
          const aspect = displayAspect(session.prep!, img.source);
          for (const [r, o] of outcomes.entries()) {
            const kind = mapKindOf(o.attribution, n, inputShape);
            const stem = `${session.names[e]}.${o.plan.id}`;
            const written: Record<string, string> = {};
            const pic = pictureOf(o.attribution, kind, n, inputShape, session.prep!.shape, e);
            if (pic) {
              const p = panelsOf(pic.values, session.prep!, img.picture, pic.shape);
              for (const [k, image] of [
                ['heatmap', p.heatmap.image],
                ['signed', p.signed.image],
                ['overlay', p.overlay!],
              ] as const) {
                const name = `${stem}.${k}.png`;
                stage.write(name, (await encodePicture(image, { aspect })).png);
                written[k] = name;
              }
            }
            const npy = `${stem}.npy`;
            stage.write(npy, encodeNpy({ shape: [1, ...kind.shape], data: Float32Array.from(exampleValues(o.attribution, n, e)) }));
            written['npy'] = npy;
            const raw = layerMapOf(o.attribution, kind, n, e);
            if (raw) {
              stage.write(`${stem}.layer.npy`, encodeNpy(raw));
              written['layerNpy'] = `${stem}.layer.npy`;
            }
            runs[r].results[e].files = written;
          }
        }
      } else {
        for (const [r, o] of outcomes.entries()) {
          const name = `attributions.${o.plan.id}.npy`;
          const kind = mapKindOf(o.attribution, n, session.opened.model.inputShape);
          stage.write(name, encodeNpy({ shape: kind.kind === 'input' ? session.shape : [n, ...kind.shape], data: o.attribution.values }));
          runs[r].file = name;
          const raw = layerMapOf(o.attribution, kind, n);
          if (raw) stage.write(`attributions.${o.plan.id}.layer.npy`, encodeNpy(raw));
        }
      }
      const record: ExplainRecord = {
        tool: 'saliency-lab',
        command: 'explain',
        model: modelRecord(session),
        inputs: inputRecords(session),
        shape: session.shape,
        targetSpec: str(options.target) ?? 'top1',
        settings: { options: req.flags, seed: req.seed, batchSize: req.batchSize },
        assumptions: session.assumptions,
        warnings,
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
    if (i.target.kind !== 'class') {
      lines.push(`input    ${i.name.padEnd(24)} explaining ${i.target.label}`);
      continue;
    }
    const explained = i.target.class === i.prediction.class ? '' : `, explaining ${i.target.label} (class ${i.target.class})`;
    lines.push(`input    ${i.name.padEnd(24)} predicted ${i.prediction.label} ${pct(i.prediction.probability)}${explained}`);
  }
  lines.push('');
  const w = Math.max(12, ...rec.runs.map((x) => x.id.length));
  lines.push(`${'run'.padEnd(w)}  ${'time'.padStart(8)}  δ = sum(phi) - (f(x) - f(x')) (relative to f(x) - f(x'), steps)`);
  for (const run of rec.runs) {
    lines.push(`${run.id.padEnd(w)}  ${(run.timings.wallMs / 1000).toFixed(2).padStart(6)} s  ${deltaSummary(run)}`);
    if (run.values.note) lines.push(`${''.padEnd(w)}  ${''.padStart(8)}  ${run.values.note}`);
  }
  for (const warning of rec.warnings) lines.push(`warning: ${warning}`);
  lines.push('');
  lines.push(`wrote ${r.files.length} files to ${r.out}/ (explain.json describes them)`);
  return lines.join('\n');
}
