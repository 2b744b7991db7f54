/**
 * Metrics benchmark against Quantus in the same run (issue 14): pixel flipping, region
 * perturbation, ROAD, max-sensitivity and faithfulness correlation on the demo's
 * Fashion-MNIST CNN (16 images) and on torchvision mobilenet_v2 (4 images, random weights,
 * bench/models/ from bench/export_models.py). Quantus runs in one persistent Python process
 * (bench/quantus_metrics.py, which documents each measurement; both sides do the same
 * number of model evaluations) and the two sides alternate measurement by measurement.
 * Target: ours <= 0.1x Quantus. Writes JSON to bench/results/metrics-<date>.json.
 *
 * Each measure also reports its floor: the examples it sends through the model (forward
 * and gradient, counted) times the engine's cost per example, timed in the same run on full
 * batches of random inputs. The floor is what the measure would cost if everything but
 * onnxruntime were free; ours - floor is the metric's own work (perturbations, imputation).
 *
 *   SALIENCY_QUANTUS_PATH=/tmp/quantus SALIENCY_CAPTUM_PATH=/tmp/captum node --import tsx bench/metrics.bench.ts
 *   ... --rounds 1 --repeats 1 --only fm_pf,fm_rp
 *
 * Without the two paths it times our side only.
 */
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadOnnxModel, type OnnxModel } from '../src/engine/onnx.js';
import { Rng } from '../src/random.js';
import { gradient } from '../src/methods/gradient.js';
import type { Model } from '../src/engine/model.js';
import type { TargetSpec } from '../src/methods/attribution.js';
import { pixelFlipping } from '../src/metrics/pixelFlipping.js';
import { regionPerturbation } from '../src/metrics/regionPerturbation.js';
import { road } from '../src/metrics/road.js';
import { maxSensitivity } from '../src/metrics/maxSensitivity.js';
import { faithfulnessCorrelation } from '../src/metrics/faithfulnessCorrelation.js';
import { BENCH_DIR, ensureBenchModel, median, runBenchmark, startReferenceProcess, timeRuns, writeResult, BENCH_SESSION } from './common.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '1' },
    only: { type: 'string', default: 'fm_pf,fm_rp,fm_road,fm_ms,fm_fc,mb_pf,mb_rp,mb_road,mb_ms,mb_fc' },
    out: { type: 'string' },
    threads: { type: 'string' },
  },
});
const here = BENCH_DIR;
const root = join(here, '..');
const only = args.only!.split(',');
const TARGET = 0.1;

function ensureMobilenet(): void {
  ensureBenchModel('mobilenet_v2');
}

async function startQuantus(): Promise<{ measure(name: string, n: number): Promise<number[]>; close(): void } | undefined> {
  const qp = process.env['SALIENCY_QUANTUS_PATH'], cp = process.env['SALIENCY_CAPTUM_PATH'];
  if (!qp || !cp) return undefined;
  return startReferenceProcess('Quantus', 'quantus_metrics.py', ['--quantus', qp, '--captum', cp, '--models', join(here, 'models'), '--serve'], '/');
}

const explain = async (m: Model, input: Float32Array, t: TargetSpec) => (await gradient(m, input, { target: t })).values;

/** Examples the model ran, forward and with gradients, since the last reset. */
function countExamples(model: OnnxModel): { forward: number; gradient: number; reset(): void } {
  const counts = { forward: 0, gradient: 0, reset: () => ((counts.forward = 0), (counts.gradient = 0)) };
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  const run = model.run.bind(model);
  model.run = (batch, ask) => {
    counts[ask.gradients ? 'gradient' : 'forward'] += batch.length / per;
    return run(batch, ask);
  };
  return counts;
}

/** Median ms per example of a forward pass and of an input gradient on full batches. */
async function perExample(model: OnnxModel, batchSize: number): Promise<{ forward: number; gradient: number }> {
  const x = new Rng(7).fillUniform(new Float32Array(batchSize * model.inputShape.reduce((a, b) => a * b, 1)), -1, 1);
  const forward = median(await timeRuns(() => model.run(x, { outputs: ['logits'] }), 5)) / batchSize;
  const grad = median(await timeRuns(() => gradient(model, x, { target: 0 }), 3)) / batchSize;
  return { forward, gradient: grad };
}

function ourRuns(fm: OnnxModel | undefined, mb: OnnxModel | undefined): Record<string, () => Promise<unknown>> {
  const rng = new Rng(0);
  const fx = rng.fillUniform(new Float32Array(16 * 784)), fa = rng.fillNormal(new Float32Array(16 * 784));
  const mx = rng.fillUniform(new Float32Array(4 * 3 * 224 * 224), -1, 1), ma = rng.fillNormal(new Float32Array(4 * 224 * 224));
  const ma3 = rng.fillNormal(new Float32Array(4 * 3 * 224 * 224));
  const f = { target: 0, seed: 0 }, zero = { substrate: 'zero' as const };
  return {
    fm_pf: () => pixelFlipping(fm!, fx, fa, { ...f, ...zero, featuresInStep: 28 }),
    mb_pf: () => pixelFlipping(mb!, mx, ma, { ...f, ...zero, featuresInStep: 523 }), // 96 steps, as Quantus
    fm_rp: () => regionPerturbation(fm!, fx, fa, { ...f, ...zero, patchSize: 4, regions: 49, control: false }),
    mb_rp: () => regionPerturbation(mb!, mx, ma, { ...f, ...zero, patchSize: 16, regions: 50, control: false }),
    fm_road: () => road(fm!, fx, fa, { ...f, noise: 0.01 }),
    mb_road: () => road(mb!, mx, ma, { ...f, noise: 0.01 }),
    fm_ms: () => maxSensitivity(fm!, fx, fa, { ...f, explain, samples: 10 }),
    mb_ms: () => maxSensitivity(mb!, mx, ma3, { ...f, explain, samples: 10 }),
    fm_fc: () => faithfulnessCorrelation(fm!, fx, fa, { ...f, ...zero, runs: 100, subsetSize: 28 }),
    mb_fc: () => faithfulnessCorrelation(mb!, mx, ma, { ...f, ...zero, runs: 100, subsetSize: 224 }),
  };
}

async function main(): Promise<void> {
  ensureMobilenet();
  const quantus = await startQuantus();
  const ours: Record<string, number[]> = {}, theirs: Record<string, number[]> = {};
  const floors: Record<string, { forwardExamples: number; gradientExamples: number; floorMs: number }> = {};
  const costs: Record<string, { forward: number; gradient: number }> = {};
  const load: number[] = [];
  // one model at a time: an idle onnxruntime session's spinning intra-op threads slow the
  // other model's runs several times on a 2-core machine. For the same reason our sessions do
  // not spin (spinning: false): Quantus runs right after each of our measurements, and while
  // our threads spun it ran ~1.5x slower (fm pixel flipping 73-81 ms against 50 ms), which
  // flattered our ratios; our own times are the same or lower without spinning.
  const groups: Array<[string, string, number]> = [
    ['fm_', join(root, 'models', 'fashion-mnist', 'model.onnx'), 64],
    ['mb_', join(here, 'models', 'mobilenet_v2.onnx'), 16],
  ];
  try {
    for (const [prefix, path, batchSize] of groups) {
      const measures = only.filter((m) => m.startsWith(prefix));
      if (!measures.length) continue;
      const model = await loadOnnxModel(path, { ...BENCH_SESSION, batchSize, maxSessions: 16, threads: args.threads ? Number(args.threads) : undefined });
      try {
        const run = prefix === 'fm_' ? ourRuns(model, undefined) : ourRuns(undefined, model);
        const counts = countExamples(model);
        for (const m of measures) {
          counts.reset();
          await run[m]();
          floors[m] = { forwardExamples: counts.forward, gradientExamples: counts.gradient, floorMs: NaN };
        }
        const cost = (costs[prefix] = await perExample(model, batchSize));
        console.error(`${prefix}: ${cost.forward.toFixed(3)} ms per example forward, ${cost.gradient.toFixed(3)} ms per example gradient (batch ${batchSize})`);
        for (const m of measures) floors[m].floorMs = floors[m].forwardExamples * cost.forward + floors[m].gradientExamples * cost.gradient;
        for (let r = 0; r < Number(args.rounds); r++) {
          for (const m of measures) {
            console.error(`round ${r + 1}: ${m}`);
            (ours[m] ??= []).push(...(await timeRuns(run[m], Number(args.repeats), false)));
            if (quantus && m !== 'mb_road') (theirs[m] ??= []).push(...(await quantus.measure(m, Number(args.repeats))));
            console.error(`  ${m}: ours ${ours[m].map((t) => t.toFixed(0)).join(', ')} ms; quantus ${(theirs[m] ?? []).map((t) => t.toFixed(0)).join(', ')} ms`);
            load.push(loadavg()[0]);
          }
        }
      } finally {
        await model.dispose();
      }
    }
  } finally {
    quantus?.close();
  }
  const summary: Record<string, Record<string, number | string | boolean>> = {};
  const rows = ['measure    ours ms   quantus ms   ratio (target <= 0.1)   floor ms (fwd + grad examples)   floor ratio'];
  for (const m of only) {
    const o = median(ours[m]);
    const q = theirs[m] ? median(theirs[m]) : NaN;
    const f = floors[m];
    summary[m] = {
      ours_ms: o, quantus_ms: q, ratio: o / q, ratio_of_minima: Math.min(...ours[m]) / Math.min(...(theirs[m] ?? [NaN])), target: TARGET, met: o / q <= TARGET,
      forward_examples: f.forwardExamples, gradient_examples: f.gradientExamples, floor_ms: f.floorMs, floor_ratio: f.floorMs / q,
    };
    const dash = (v: number, d: number, w: number) => (Number.isNaN(v) ? '-'.padStart(w) : v.toFixed(d).padStart(w));
    rows.push(`${m.padEnd(9)} ${o.toFixed(0).padStart(8)} ${dash(q, 0, 12)}   ${dash(o / q, 3, 5)}                ${dash(f.floorMs, 0, 8)} (${f.forwardExamples} + ${f.gradientExamples})${''.padEnd(14)}${dash(f.floorMs / q, 3, 5)}`);
  }
  const date = new Date().toISOString();
  writeResult('metrics', { date, cpus: cpus().length, loadavg: load, perExampleMs: costs, summary, samples: { ours, quantus: theirs } } as { date: string }, rows, args.out);
}

runBenchmark(main);
