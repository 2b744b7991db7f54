/**
 * Propagation benchmark: guided backprop, LRP-EpsilonPlus and DeepLIFT (zero baseline) on
 * torchvision mobilenet_v2 and resnet18 (224 x 224, random weights, bench/models/ from
 * bench/export_models.py), against Captum (GuidedBackprop, DeepLift) and Zennit
 * (EpsilonPlus with its BatchNorm canonizers) timed in the same run by
 * bench/captum_propagation.py; without the reference sources, against the figure
 * (Captum GuidedBackprop 97 ms on mobilenet_v2). Writes bench/results/propagation-<date>.json.
 *
 *   SALIENCY_CAPTUM_PATH=/tmp/captum SALIENCY_ZENNIT_PATH=/tmp/zennit/src \
 *     node --import tsx bench/propagation.bench.ts [--model mobilenet_v2,resnet18] [--rounds 3 --repeats 3]
 *
 * One input, target class 0; both sides warm up once, then alternate measurement by
 * measurement. Captum's DeepLift refuses resnet18 (a ReLU module reused within each block),
 * so DeepLIFT is compared on mobilenet_v2 only (there Captum rescales only its ReLU-free
 * graph: ReLU6 is not among its nonlinearities, so it does less work than ours).
 */
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadOnnxModel, type OnnxModel } from '../src/engine/onnx.js';
import { guidedBackprop } from '../src/methods/propagation/guidedBackprop.js';
import { lrp } from '../src/methods/propagation/lrp.js';
import { deepLift } from '../src/methods/propagation/deepLift.js';
import { BENCH_DIR, benchInput, ensureBenchModel, median, runBenchmark, startReferenceProcess, timeRuns, writeResult, BENCH_SESSION } from './common.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet_v2,resnet18' },
    rounds: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string' },
    only: { type: 'string', default: 'guided,lrp,deeplift' },
    out: { type: 'string' },
  },
});

const here = BENCH_DIR;
type Measure = 'guided' | 'lrp' | 'deeplift';
const TARGET_RATIO = 0.5;
const REFERENCE_MS: Partial<Record<string, number>> = { 'mobilenet_v2 guided': 97 };

function ours(model: OnnxModel): Record<Measure, () => Promise<unknown>> {
  const x = benchInput();
  return {
    guided: () => guidedBackprop(model, x, { target: 0 }),
    lrp: () => lrp(model, x, { target: 0, composite: 'epsilon-plus' }),
    deeplift: () => deepLift(model, x, { target: 0, baseline: 0 }),
  };
}

async function startReference(model: string) {
  const captum = process.env['SALIENCY_CAPTUM_PATH'];
  const zennit = process.env['SALIENCY_ZENNIT_PATH'];
  if (!captum || !zennit) return undefined;
  const p = await startReferenceProcess('reference', 'captum_propagation.py', ['--captum', captum, '--zennit', zennit, '--models', join(here, 'models'), '--model', model]);
  return { ...p, version: `captum ${p.hello.captum}, torch ${p.hello.torch}` };
}

async function main(): Promise<void> {
  const rounds = Number(args.rounds);
  const repeats = Number(args.repeats);
  const only = args.only!.split(',') as Measure[];
  const summary: Record<string, Record<string, number | string | boolean>> = {};
  const samples: Record<string, { ours: number[]; reference: number[] }> = {};
  const rows: string[] = [];
  const load: number[] = [];
  let version = '';
  for (const name of args.model!.split(',')) {
    const model = await loadOnnxModel(ensureBenchModel(name), { ...BENCH_SESSION, batchSize: 16, threads: args.threads ? Number(args.threads) : undefined });
    const ref = await startReference(name);
    if (ref) version = ref.version;
    const measures = only.filter((m) => !(m === 'deeplift' && name === 'resnet18' && ref));
    try {
      const run = ours(model);
      for (const m of measures) await run[m]();
      for (let r = 0; r < rounds; r++) {
        for (const m of measures) {
          console.error(`${name} round ${r + 1}/${rounds}: ${m}`);
          const key = `${name} ${m}`;
          samples[key] ??= { ours: [], reference: [] };
          samples[key].ours.push(...(await timeRuns(run[m], repeats, false)));
          if (ref) samples[key].reference.push(...(await ref.measure(m, repeats)));
          load.push(loadavg()[0]);
        }
      }
    } finally {
      await model.dispose();
      ref?.close();
    }
    for (const m of measures) {
      const key = `${name} ${m}`;
      const s = samples[key];
      const ourMs = median(s.ours);
      const refMs = s.reference.length ? median(s.reference) : REFERENCE_MS[key];
      const ratio = refMs ? ourMs / refMs : NaN;
      summary[key] = {
        ours_ms: ourMs,
        ours_min_ms: Math.min(...s.ours),
        reference_ms: refMs ?? NaN,
        reference: s.reference.length ? (m === 'lrp' ? 'Zennit EpsilonPlus, measured' : 'Captum, measured') : refMs ? 'issue reference' : 'none',
        ratio,
        target: TARGET_RATIO,
        met: ratio <= TARGET_RATIO,
      };
      rows.push(`${key.padEnd(22)} ours ${ourMs.toFixed(0).padStart(6)} ms   reference ${refMs?.toFixed(0).padStart(6) ?? '     -'} ms   ratio ${ratio.toFixed(2)} (target <= ${TARGET_RATIO})`);
    }
  }
  const date = new Date().toISOString();
  const result = {
    benchmark: 'propagation',
    date,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg1: load },
    threads: args.threads ? Number(args.threads) : cpus().length,
    rounds,
    repeats,
    reference: version ? `measured in this run (${version}, zennit 0.5.1, 2 threads)` : 'issue reference only',
    summary,
    samples,
  };
  writeResult('propagation', result, rows, args.out);
}

runBenchmark(main);
