/**
 * Methods benchmark: Integrated Gradients (50 and 200 steps), SmoothGrad(IG) 10 x 20 and
 * expected gradients (20 samples) on torchvision mobilenet_v2 (224 x 224, random weights,
 * bench/models/ from bench/export_models.py), against Captum timed in the same run when
 * SALIENCY_CAPTUM_PATH points at Captum's source (v0.8.0); otherwise against the
 * reference figures of the issue (Captum on this kind of machine, 2 threads).
 * Writes JSON to bench/results/methods-<date>.json.
 *
 *   SALIENCY_CAPTUM_PATH=/tmp/captum node --import tsx bench/methods.bench.ts
 *   node --import tsx bench/methods.bench.ts --rounds 2 --repeats 3 --threads 1 --only ig50,eg20
 *
 * Both sides: one input, target class 0, batch size 16 (Captum's internal_batch_size),
 * a black (zero) baseline, the completeness delta for IG (return_convergence_delta),
 * none for expected gradients (GradientShap's default); SmoothGrad noise sd 0.15
 * (Captum's stdevs). Captum runs in one persistent Python process
 * (bench/captum_methods.py --serve) and the two sides alternate measurement by
 * measurement, so load from other processes hits both alike. Each side warms up once
 * (compiling sessions / first-call overhead), then `repeats` runs per round; the summary
 * gives medians and minima (the least disturbed run) and their ratios.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadOnnxModel, type OnnxModel } from '../src/engine/onnx.js';
import { integratedGradients } from '../src/methods/integratedGradients.js';
import { smoothGrad } from '../src/methods/smooth.js';
import { expectedGradients } from '../src/methods/expectedGradients.js';
import { Rng } from '../src/random.js';
import { alternate, type Alternated, BENCH_DIR, benchInput, ensureBenchModel, median, PYTHON, runBenchmark, startReferenceProcess, writeResult, BENCH_SESSION } from './common.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet_v2' },
    rounds: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '2' },
    threads: { type: 'string' },
    only: { type: 'string', default: 'ig50,ig200,sg_ig,eg20' },
    out: { type: 'string' },
    'no-captum': { type: 'boolean', default: false },
  },
});

const here = BENCH_DIR;
const modelPath = join(here, 'models', `${args.model}.onnx`);
const rounds = Number(args.rounds);
const repeats = Number(args.repeats);
const only = args.only!.split(',') as Measure[];

type Measure = 'ig50' | 'ig200' | 'sg_ig' | 'eg20';
/** Captum's name for each measurement (bench/captum_methods.py). */
const CAPTUM_NAME: Record<Measure, string> = { ig50: 'ig50', ig200: 'ig200', sg_ig: 'nt_ig', eg20: 'gradshap' };
/** The issue's reference (Captum + PyTorch, 2 threads, this kind of machine), ms. */
const REFERENCE_MS: Record<Measure, number> = { ig50: 1370, ig200: 3690, sg_ig: 5740, eg20: 540 };
const TARGET_RATIO: Record<Measure, number> = { ig50: 0.75, ig200: 0.75, sg_ig: 0.75, eg20: 1.0 };


function captumPath(): string | undefined {
  const p = process.env['SALIENCY_CAPTUM_PATH'];
  if (args['no-captum'] || !p) return undefined;
  if (!existsSync(join(p, 'captum'))) throw new Error(`SALIENCY_CAPTUM_PATH=${p} does not hold captum/ (Captum's source)`);
  if (spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status !== 0) throw new Error('PyTorch is not available at /usr/bin/python3');
  return p;
}

function ourRunner(model: OnnxModel): Record<Measure, () => Promise<unknown>> {
  const x = benchInput();
  const per = x.length;
  const dist = new Rng(0).fillUniform(new Float32Array(8 * per), -2, 2);
  return {
    ig50: () => integratedGradients(model, x, { target: 0, baseline: 0, steps: 50 }),
    ig200: () => integratedGradients(model, x, { target: 0, baseline: 0, steps: 200 }),
    sg_ig: () =>
      smoothGrad(model, x, { target: 0, samples: 10, stdev: 0.15, method: integratedGradients, methodOptions: { baseline: 0, steps: 20 } }),
    eg20: () => expectedGradients(model, x, { target: 0, baseline: dist, samples: 20, delta: false }),
  };
}


/** A persistent Captum process answering "<name> <repeats>" with {"name", "ms"} lines. */
async function startCaptum(path: string) {
  const p = await startReferenceProcess('Captum', 'captum_methods.py', ['--captum', path, '--models', join(here, 'models'), '--model', args.model!, '--serve']);
  return { ...p, version: `captum ${p.hello.captum}, torch ${p.hello.torch}` };
}

async function main(): Promise<void> {
  ensureBenchModel(args.model!);
  const path = captumPath();
  const captum = path ? await startCaptum(path) : undefined;
  // every distinct batch size (chunk remainders, forward passes) is its own compiled session: keep them all
  const model = await loadOnnxModel(modelPath, { ...BENCH_SESSION, batchSize: 16, maxSessions: 16, threads: args.threads ? Number(args.threads) : undefined });
  let timing: Alternated;
  try {
    timing = await alternate(only, ourRunner(model), rounds, repeats, captum && ((m, n) => captum.measure(CAPTUM_NAME[m], n)));
  } finally {
    await model.dispose();
    captum?.close();
  }
  const { ours, theirs, load } = timing;
  const summary: Record<string, Record<string, number | string | boolean>> = {};
  const rows: string[] = [];
  for (const m of only) {
    const ourMs = median(ours[m]);
    const refMs = captum ? median(theirs[m]) : REFERENCE_MS[m];
    const ratio = ourMs / refMs;
    const minRatio = captum ? Math.min(...ours[m]) / Math.min(...theirs[m]) : Math.min(...ours[m]) / REFERENCE_MS[m];
    summary[m] = {
      ours_ms: ourMs,
      ours_min_ms: Math.min(...ours[m]),
      captum_ms: refMs,
      captum_min_ms: captum ? Math.min(...theirs[m]) : refMs,
      captum_source: captum ? 'measured' : 'issue reference',
      ratio,
      ratio_of_minima: minRatio,
      target: TARGET_RATIO[m],
      met: ratio <= TARGET_RATIO[m],
    };
    rows.push(
      `${m.padEnd(6)} ours ${ourMs.toFixed(0).padStart(6)} ms (min ${Math.min(...ours[m]).toFixed(0)})   ` +
        `captum ${refMs.toFixed(0).padStart(6)} ms${captum ? ` (min ${Math.min(...theirs[m]).toFixed(0)})` : ' (issue reference)'}   ` +
        `ratio ${ratio.toFixed(2)}, of minima ${minRatio.toFixed(2)} (target <= ${TARGET_RATIO[m]})`,
    );
  }
  const result = {
    benchmark: 'methods',
    model: args.model,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg1: load },
    threads: args.threads ? Number(args.threads) : cpus().length,
    rounds,
    repeats,
    captum: captum ? `measured in this run (${captum.version}, 2 threads)` : 'reference figures from the issue',
    summary,
    samples: { ours, captum: theirs },
  };
  writeResult('methods', result, rows, args.out);
}

runBenchmark(main);
