/**
 * CAM benchmark: Grad-CAM, Score-CAM, Ablation-CAM and FullGrad on torchvision
 * mobilenet_v2 or resnet18 (224 x 224, random weights, bench/models/ from
 * bench/export_models.py), against Captum's LayerGradCam and pytorch-grad-cam timed in
 * the same run when SALIENCY_CAPTUM_PATH and SALIENCY_GRAD_CAM_PATH point at their sources
 * (bench/cam_reference.py); otherwise against the reference figures of issue 10.
 * Writes JSON to bench/results/cam-<date>.json with a ratio and a target per measurement.
 *
 *   SALIENCY_CAPTUM_PATH=/tmp/captum SALIENCY_GRAD_CAM_PATH=/tmp/pgc node --import tsx bench/cam.bench.ts
 *   node --import tsx bench/cam.bench.ts --model resnet18 --rounds 2 --repeats 2 --only gradcam,fullgrad
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
import { scoreCam } from '../src/methods/cam/scoreCam.js';
import { ablationCam } from '../src/methods/cam/ablationCam.js';
import { fullGrad } from '../src/methods/cam/fullGrad.js';
import { alternate, type Alternated, BENCH_DIR, benchInput, ensureBenchModel, median, runBenchmark, startReferenceProcess, writeResult } from './common.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet_v2' },
    rounds: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '2' },
    threads: { type: 'string' },
    only: { type: 'string', default: 'gradcam,gradcam_pgc,scorecam,ablationcam,fullgrad' },
    out: { type: 'string' },
    'no-reference': { type: 'boolean', default: false },
  },
});

const here = BENCH_DIR;
const modelPath = join(here, 'models', `${args.model}.onnx`);
const rounds = Number(args.rounds);
const repeats = Number(args.repeats);

type Measure = 'gradcam' | 'gradcam_pgc' | 'scorecam' | 'ablationcam' | 'fullgrad';
const only = args.only!.split(',') as Measure[];
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

function ourRunner(model: OnnxModel): Record<Measure, () => Promise<unknown>> {
  const x = benchInput();
  const pgcLike = { target: 0, relu: true, normalize: 'minmax' } as const;
  return {
    gradcam: () => gradCam(model, x, { target: 0 }),
    gradcam_pgc: () => gradCam(model, x, pgcLike),
    scorecam: () => scoreCam(model, x, { ...pgcLike, batchSize: 32 }),
    ablationcam: () => ablationCam(model, x, { ...pgcLike, batchSize: 32 }),
    fullgrad: () => fullGrad(model, x, { target: 0, normalize: 'minmax' }),
  };
}

async function startReference(paths: { captum: string; gradCam: string }) {
  const args_ = ['--captum', paths.captum, '--grad-cam', paths.gradCam, '--models', join(here, 'models'), '--model', args.model!];
  const p = await startReferenceProcess('reference', 'cam_reference.py', args_);
  return { ...p, version: `captum ${p.hello.captum}, pytorch-grad-cam, torch ${p.hello.torch}` };
}

async function main(): Promise<void> {
  ensureBenchModel(args.model!);
  const paths = referencePaths();
  const reference = paths ? await startReference(paths) : undefined;
  const model = await loadOnnxModel(modelPath, { batchSize: 16, maxSessions: 16, threads: args.threads ? Number(args.threads) : undefined });
  let timing: Alternated;
  try {
    timing = await alternate(only, ourRunner(model), rounds, repeats, reference && ((m, n) => reference.measure(REFERENCE[m].name, n)));
  } finally {
    await model.dispose();
    reference?.close();
  }
  const { ours, theirs, load } = timing;
  const summary: Record<string, Record<string, number | string | boolean>> = {};
  const rows: string[] = [];
  for (const m of only) {
    const ourMs = median(ours[m]);
    const refMs = reference ? median(theirs[m]) : ISSUE_MS[args.model!]?.[m] ?? NaN;
    const ratio = ourMs / refMs;
    const { name, target } = REFERENCE[m];
    summary[m] = {
      ours_ms: ourMs,
      ours_min_ms: Math.min(...ours[m]),
      reference: name,
      reference_ms: refMs,
      reference_min_ms: reference ? Math.min(...theirs[m]) : refMs,
      reference_source: reference ? 'measured' : 'issue reference',
      ratio,
      target,
      met: ratio <= target,
    };
    rows.push(
      `${m.padEnd(12)} ours ${ourMs.toFixed(0).padStart(6)} ms   ${name} ${refMs.toFixed(0).padStart(6)} ms` +
        `${reference ? '' : ' (issue reference)'}   ratio ${ratio.toFixed(3)} (target <= ${target})`,
    );
  }
  const result = {
    benchmark: 'cam',
    model: args.model,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg1: load },
    threads: args.threads ? Number(args.threads) : cpus().length,
    rounds,
    repeats,
    reference: reference ? `measured in this run (${reference.version}, 2 threads)` : 'reference figures from issue 10',
    summary,
    samples: { ours, reference: theirs },
  };
  writeResult('cam', result, rows, args.out);
}

runBenchmark(main);
