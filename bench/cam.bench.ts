/**
 * CAM benchmark: Grad-CAM, Score-CAM, Ablation-CAM and FullGrad on torchvision
 * mobilenet_v2 and resnet18 (224 x 224, both by default, random weights, bench/models/ from
 * bench/export_models.py), against Captum's LayerGradCam and pytorch-grad-cam timed in
 * the same run when SALIENCY_CAPTUM_PATH and SALIENCY_GRAD_CAM_PATH point at their sources
 * (bench/cam_reference.py); otherwise against the reference figures of issue 10.
 * Writes JSON to bench/results/cam-<date>.json: `measurements`, one per model and method,
 * each with its `ratio` (ours / reference, medians) and `target`.
 *
 *   SALIENCY_CAPTUM_PATH=/tmp/captum SALIENCY_GRAD_CAM_PATH=/tmp/pgc node --import tsx bench/cam.bench.ts
 *   node --import tsx bench/cam.bench.ts --models resnet18 --rounds 2 --repeats 2 --only gradcam,fullgrad
 *
 * Each measurement also gives its forward floor (bench/common.ts forwardFloor): the examples
 * it sends through the model, each timed as one forward pass at its call's batch size, in the
 * same run; floor / reference is the best ratio reachable without a faster forward pass.
 *
 * Both sides: one input (the same deterministic values), target class 0, the last feature
 * map (auto; pytorch-grad-cam: features[-1] / layer4[-1]); Score-CAM and Ablation-CAM in
 * batches of 32. The sides alternate measurement by measurement (load hits both alike).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadOnnxModel, type OnnxModel } from '../src/engine/onnx.js';
import { gradCam } from '../src/methods/cam/gradCam.js';
import { scoreCam, type ScoreCamSharing } from '../src/methods/cam/scoreCam.js';
import { ablationCam } from '../src/methods/cam/ablationCam.js';
import { fullGrad } from '../src/methods/cam/fullGrad.js';
import { alternate, type Alternated, BENCH_DIR, benchInput, ensureBenchModel, forwardFloors, median, runBenchmark, startReferenceProcess, writeResult, BENCH_SESSION } from './common.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'mobilenet_v2,resnet18' },
    model: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '2' },
    /** Score-CAM and Ablation-CAM take seconds to tens of seconds per call on the reference side. */
    'slow-rounds': { type: 'string', default: '2' },
    threads: { type: 'string' },
    only: { type: 'string', default: 'gradcam,gradcam_pgc,scorecam,ablationcam,fullgrad' },
    out: { type: 'string' },
    'no-reference': { type: 'boolean', default: false },
  },
});

const here = BENCH_DIR;
const models = (args.model ?? args.models!).split(',');
const rounds = Number(args.rounds);
const repeats = Number(args.repeats);
const slowRounds = Number(args['slow-rounds']);

type Measure = 'gradcam' | 'gradcam_pgc' | 'scorecam' | 'ablationcam' | 'fullgrad';
const only = args.only!.split(',') as Measure[];
const SLOW: readonly Measure[] = ['scorecam', 'ablationcam'];
/** The reference each measurement is compared with (bench/cam_reference.py), and its target ratio. */
const REFERENCE: Record<Measure, { name: string; target: number }> = {
  gradcam: { name: 'captum_gradcam', target: 0.5 },
  gradcam_pgc: { name: 'pgc_gradcam', target: 0.5 },
  scorecam: { name: 'pgc_scorecam', target: 0.2 },
  ablationcam: { name: 'pgc_ablationcam', target: 0.2 },
  fullgrad: { name: 'pgc_fullgrad', target: 0.5 },
};
/** Issue 10's reference figures (this kind of machine, 2 threads), ms; NaN where it gives none. */
const ISSUE_MS: Record<string, Record<Measure, number>> = {
  mobilenet_v2: { gradcam: 22, gradcam_pgc: NaN, scorecam: 18900, ablationcam: NaN, fullgrad: 1210 },
  resnet18: { gradcam: 29, gradcam_pgc: NaN, scorecam: 8400, ablationcam: NaN, fullgrad: 230 },
};

function referencePaths(): { captum: string; gradCam: string } | undefined {
  const captum = process.env['SALIENCY_CAPTUM_PATH'];
  const gradCamPath = process.env['SALIENCY_GRAD_CAM_PATH'];
  if (args['no-reference'] || !captum || !gradCamPath) return undefined;
  if (!existsSync(join(captum, 'captum'))) throw new Error(`SALIENCY_CAPTUM_PATH=${captum} does not hold captum/ (Captum's source)`);
  if (!existsSync(join(gradCamPath, 'pytorch_grad_cam'))) throw new Error(`SALIENCY_GRAD_CAM_PATH=${gradCamPath} does not hold pytorch_grad_cam/`);
  return { captum, gradCam: gradCamPath };
}

/** Score-CAM's shared masks in the last call (how many masked-input passes it saved). */
let scoreCamSharing: ScoreCamSharing | undefined;

function ourRunner(model: OnnxModel): Record<Measure, () => Promise<unknown>> {
  const x = benchInput();
  const pgcLike = { target: 0, relu: true, normalize: 'minmax' } as const;
  return {
    gradcam: () => gradCam(model, x, { target: 0 }),
    gradcam_pgc: () => gradCam(model, x, pgcLike),
    scorecam: async () => {
      const r = await scoreCam(model, x, { ...pgcLike, batchSize: 32 });
      scoreCamSharing = r.params['sharing'] as ScoreCamSharing;
    },
    ablationcam: () => ablationCam(model, x, { ...pgcLike, batchSize: 32 }),
    fullgrad: () => fullGrad(model, x, { target: 0, normalize: 'minmax' }),
  };
}

async function startReference(paths: { captum: string; gradCam: string }, name: string) {
  const args_ = ['--captum', paths.captum, '--grad-cam', paths.gradCam, '--models', join(here, 'models'), '--model', name];
  const p = await startReferenceProcess('reference', 'cam_reference.py', args_);
  return { ...p, version: `captum ${p.hello.captum}, pytorch-grad-cam, torch ${p.hello.torch}` };
}

interface Measurement {
  model: string;
  measure: Measure;
  ours_ms: number;
  ours_min_ms: number;
  reference: string;
  reference_ms: number;
  reference_min_ms: number;
  reference_source: string;
  ratio: number;
  target: number;
  met: boolean;
  /** Score-CAM: channels sharing a masked-input pass (constant or affine-equal maps), and the passes run. */
  sharing?: ScoreCamSharing;
  /** The examples the measure sends through the model, each timed as one forward at its call's batch (bench/common.ts forwardFloor). */
  forward_floor_ms: number;
  /** forward_floor_ms / reference_ms: the best ratio reachable without a faster forward pass. */
  floor_ratio: number;
}

/** One model: the fast measurements `rounds` x `repeats`, Score-CAM and Ablation-CAM `slow-rounds` x 1, alternating sides. */
async function benchModel(name: string, paths: { captum: string; gradCam: string } | undefined) {
  ensureBenchModel(name);
  const reference = paths ? await startReference(paths, name) : undefined;
  const model = await loadOnnxModel(join(here, 'models', `${name}.onnx`), { ...BENCH_SESSION, batchSize: 16, maxSessions: 16, threads: args.threads ? Number(args.threads) : undefined });
  const measureRef = reference && ((m: Measure, n: number) => reference.measure(REFERENCE[m].name, n));
  const timing: Alternated = { ours: {}, theirs: {}, load: [] };
  const floorMs: Partial<Record<Measure, number>> = {};
  try {
    const fast = only.filter((m) => !SLOW.includes(m));
    const slow = only.filter((m) => SLOW.includes(m));
    for (const [measures, r, k] of [[fast, rounds, repeats], [slow, slowRounds, 1]] as const) {
      if (measures.length === 0) continue;
      const t = await alternate(measures, ourRunner(model), r, k, measureRef);
      Object.assign(timing.ours, t.ours);
      Object.assign(timing.theirs, t.theirs);
      timing.load.push(...t.load);
    }
    Object.assign(floorMs, await forwardFloors(model, ourRunner(model), only));
  } finally {
    await model.dispose();
    reference?.close();
  }
  const { ours, theirs } = timing;
  const measurements: Measurement[] = [];
  const rows: string[] = [];
  for (const m of only) {
    const ourMs = median(ours[m]);
    const refMs = reference ? median(theirs[m]) : ISSUE_MS[name]?.[m] ?? NaN;
    const ratio = ourMs / refMs;
    const { name: refName, target } = REFERENCE[m];
    measurements.push({
      model: name,
      measure: m,
      ours_ms: ourMs,
      ours_min_ms: Math.min(...ours[m]),
      reference: refName,
      reference_ms: refMs,
      reference_min_ms: reference ? Math.min(...theirs[m]) : refMs,
      reference_source: reference ? 'measured' : 'issue reference',
      ratio,
      target,
      met: ratio <= target,
      forward_floor_ms: floorMs[m]!,
      floor_ratio: floorMs[m]! / refMs,
      ...(m === 'scorecam' && scoreCamSharing ? { sharing: scoreCamSharing } : {}),
    });
    rows.push(
      `${name.padEnd(13)} ${m.padEnd(12)} ours ${ourMs.toFixed(0).padStart(6)} ms   ${refName.padEnd(16)} ${refMs.toFixed(0).padStart(6)} ms` +
        `${reference ? '' : ' (issue reference)'}   ratio ${ratio.toFixed(3)} (target <= ${target})   forward floor ${floorMs[m]!.toFixed(0)} ms, ratio ${(floorMs[m]! / refMs).toFixed(3)}` +
        (m === 'scorecam' && scoreCamSharing ? `   passes ${scoreCamSharing.passes} (shared: ${scoreCamSharing.constant} constant, ${scoreCamSharing.duplicate} duplicate)` : ''),
    );
  }
  return { measurements, rows, timing, version: reference?.version };
}

async function main(): Promise<void> {
  const paths = referencePaths();
  const measurements: Measurement[] = [];
  const rows: string[] = [];
  const samples: Record<string, { ours: Record<string, number[]>; reference: Record<string, number[]>; loadavg1: number[] }> = {};
  let version: string | undefined;
  const date = new Date().toISOString();
  for (const name of models) {
    const r = await benchModel(name, paths);
    measurements.push(...r.measurements);
    rows.push(...r.rows);
    samples[name] = { ours: r.timing.ours, reference: r.timing.theirs, loadavg1: r.timing.load };
    version ??= r.version;
    write(date, measurements, rows, samples, version); // after each model: a long run stopped early keeps what it measured
  }
}

function write(date: string, measurements: Measurement[], modelRows: string[], samples: Record<string, { loadavg1: number[] }>, version: string | undefined): void {
  const load = Object.values(samples).flatMap((s) => s.loadavg1);
  const rows = [...modelRows, `load average (1 min) during the run: ${Math.min(...load).toFixed(2)} .. ${Math.max(...load).toFixed(2)} on ${cpus().length} cores`];
  const result = {
    benchmark: 'cam',
    models: Object.keys(samples),
    date,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg1: load },
    threads: args.threads ? Number(args.threads) : cpus().length,
    rounds,
    repeats,
    slowRounds,
    reference: version ? `measured in this run (${version}, 2 threads)` : 'reference figures from issue 10',
    measurements,
    samples,
  };
  writeResult('cam', result, rows, args.out);
}

runBenchmark(main);
