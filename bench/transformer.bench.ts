/**
 * Transformer benchmark (issue 16): IG-50 and Grad-CAM on torchvision vit_b_16 and swin_t
 * at 224 (random weights; bench/models/ from bench/export_models.py, exported when
 * missing), against Captum on the same weights in the same run (bench/transformer_reference.py)
 * when SALIENCY_CAPTUM_PATH points at Captum's source. Target <= 0.7x.
 * Writes JSON to bench/results/transformer-<date>.json with a ratio and a target per measurement.
 *
 *   SALIENCY_CAPTUM_PATH=/tmp/captum node --import tsx bench/transformer.bench.ts
 *   ... --models swin_t --only gradcam --rounds 1 --repeats 1
 *   ... --models vit_b_16 --steps 10    (IG in one batch: the per-step cost, when IG-50 is too long for the load)
 *
 * Both sides: one input (the same deterministic values), target class 0, black baseline,
 * IG with 50 Gauss-Legendre steps in batches of --batch (default 10; Captum's
 * internal_batch_size), Grad-CAM at pytorch-grad-cam's layer (vit_b_16: the last block's
 * ln_1 tokens, read as a 14 x 14 grid here; swin_t: the [768, 7, 7] map after the last norm).
 * ViT IG-50 is heavy (about 50 forward + backward passes of an 86M-parameter model), so the
 * defaults are one round of one repeat, after a warm-up on each side that runs IG with two
 * batches of steps: the first run compiles our sessions (and warms torch's allocator), and
 * onnxruntime plans its memory pattern from that first run and allocates it on the second,
 * so a one-batch warm-up left that allocation (about 1 s of page faults at batch 10) inside
 * the first timed IG.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadOnnxModel, type OnnxModel } from '../src/engine/onnx.js';
import { gradCam } from '../src/methods/cam/gradCam.js';
import { integratedGradients } from '../src/methods/integratedGradients.js';
import { alternate, BENCH_SESSION, benchInput, ensureBenchModel, median, runBenchmark, startReferenceProcess, writeResult } from './common.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'swin_t,vit_b_16' },
    only: { type: 'string', default: 'gradcam,ig' },
    rounds: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '1' },
    batch: { type: 'string', default: '10' },
    steps: { type: 'string', default: '50' },
    threads: { type: 'string' },
    out: { type: 'string' },
  },
});
const TARGET = 0.7;
type Measure = 'gradcam' | 'ig';
const REFERENCE: Record<Measure, string> = { gradcam: 'captum_gradcam', ig: 'captum_ig' };
const igName = () => `ig${args.steps}`;
/** pytorch-grad-cam's layer for each model, as an ONNX tensor name. */
const LAYER: Record<string, string> = {
  vit_b_16: '/encoder/layers/encoder_layer_11/ln_1/LayerNormalization_output_0',
  swin_t: '/permute/Transpose_output_0',
};

function ourRunner(model: OnnxModel, name: string, batch: number): Record<Measure, () => Promise<unknown>> {
  const x = benchInput();
  const warm = new Set<string>();
  return {
    gradcam: () => gradCam(model, x, { target: 0, layer: LAYER[name] }),
    // the first call (alternate's untimed warm-up) runs two batches of steps: compile, then onnxruntime's memory pattern
    // Captum is not asked for its convergence delta (two more forward passes): ours is not computed either
    ig: () => integratedGradients(model, x, { target: 0, steps: warm.has('ig') ? Number(args.steps) : (warm.add('ig'), 2 * batch), baseline: 0, delta: false }),
  };
}

async function benchModel(name: string, only: Measure[], captum: string | undefined) {
  ensureBenchModel(name);
  const batch = Number(args.batch);
  const reference = captum
    ? await startReferenceProcess('Captum', 'transformer_reference.py', ['--captum', captum, '--model', name, '--batch', String(batch), '--steps', args.steps!])
    : undefined;
  const model = await loadOnnxModel(join(new URL('.', import.meta.url).pathname, 'models', `${name}.onnx`), {
    ...BENCH_SESSION,
    batchSize: batch,
    threads: args.threads ? Number(args.threads) : undefined,
  });
  try {
    const t = await alternate(only, ourRunner(model, name, batch), Number(args.rounds), Number(args.repeats), reference && ((m, n) => reference.measure(REFERENCE[m], n)));
    return { ...t, version: reference ? `captum ${reference.hello.captum}, torch ${reference.hello.torch}` : undefined };
  } finally {
    await model.dispose();
    reference?.close();
  }
}

async function main(): Promise<void> {
  const captum = process.env['SALIENCY_CAPTUM_PATH'];
  if (captum && !existsSync(join(captum, 'captum'))) throw new Error(`SALIENCY_CAPTUM_PATH=${captum} does not hold captum/ (Captum's source)`);
  const only = args.only!.split(',') as Measure[];
  const summary: Record<string, Record<string, number | string | boolean>> = {};
  const samples: Record<string, unknown> = {};
  const loads: number[] = [];
  const rows: string[] = [];
  let version: string | undefined;
  const result = () => ({
    benchmark: 'transformer',
    date,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg1: loads },
    threads: args.threads ? Number(args.threads) : cpus().length,
    batch: Number(args.batch),
    steps: Number(args.steps),
    rounds: Number(args.rounds),
    repeats: Number(args.repeats),
    reference: captum ? `measured in this run (${version}, 2 threads)` : 'none (set SALIENCY_CAPTUM_PATH)',
    summary,
    samples,
  });
  const date = new Date().toISOString();
  for (const name of args.models!.split(',')) {
    const t = await benchModel(name, only, captum);
    version ??= t.version;
    loads.push(...t.load);
    samples[name] = { ours: t.ours, reference: t.theirs };
    for (const m of only) {
      const ourMs = median(t.ours[m]);
      const refMs = captum ? median(t.theirs[m]) : NaN;
      const ratio = ourMs / refMs;
      summary[`${name}/${m === 'ig' ? igName() : m}`] = { ours_ms: ourMs, reference: REFERENCE[m], reference_ms: refMs, ratio, target: TARGET, met: ratio <= TARGET };
      rows.push(`${`${name}/${m === 'ig' ? igName() : m}`.padEnd(18)} ours ${ourMs.toFixed(0).padStart(7)} ms   ${REFERENCE[m]} ${refMs.toFixed(0).padStart(7)} ms   ratio ${ratio.toFixed(3)} (target <= ${TARGET})`);
    }
    // written after each model (the same file, growing): a long run interrupted keeps what it measured
    writeResult('transformer', result(), rows.slice(-only.length), args.out);
  }
}

runBenchmark(main);
