/**
 * TensorFlow.js engine benchmark: input-gradient time (forward + backward, gradient of
 * one logit per example) of MobileNetV2 224 at batch 1 and 8 on the tfjs wasm backend,
 * beside the ONNX engine (onnxruntime + compiled backward graph) on the same
 * architecture, in alternating rounds. Also checks that repeated calls do not grow the
 * tfjs tensor count, and records the wasm memory an input gradient takes per example.
 * Writes JSON to bench/results/.
 *
 *   node --import tsx bench/tfjs.bench.ts                     # 3 rounds x 3 repeats
 *   node --import tsx bench/tfjs.bench.ts --rounds 2 --repeats 5 --graph
 *
 * Models:
 * - tfjs: nsfwjs' MobileNetV2 (Keras LayersModel, alpha 1.0, 224x224x3; trained weights,
 *   uint8-quantised; its classifier head is 1280 -> 256 -> 128 -> 5 instead of 1280 -> 1000).
 *   With --graph also nsfwjs' GraphModel variant (MobileNetV2 alpha 1.4: ~2x the FLOPs).
 * - ONNX: bench/models/mobilenet_v2.onnx, torchvision mobilenet_v2 (alpha 1.0, random
 *   weights, BatchNorm statistics re-estimated), made by bench/export_models.py (the
 *   engine benchmark exports it; it is outside git). Timed with the default intra-op
 *   threads (the machine's cores) and with 1 thread: tfjs-wasm in Node runs one thread.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadNsfwjsModel } from '../src/engine/tfjs/model.js';
import { loadOnnxModel } from '../src/engine/onnx.js';
import type { Model } from '../src/engine/model.js';
import { classLogit } from '../src/targets/index.js';
import { median, runBenchmark, timeRuns, writeResult } from './common.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '3' },
    graph: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const repeats = Number(args.repeats);
const here = new URL('.', import.meta.url).pathname;
const onnxPath = join(here, 'models', 'mobilenet_v2.onnx');

type Engine = { label: string; load: () => Promise<Model>; layout: 'NHWC' | 'NCHW'; classes: number };
const engines: Engine[] = [
  { label: 'tfjs-wasm layers mobilenet_v2 (alpha 1.0)', load: () => loadNsfwjsModel('mobilenet_v2', { batchSize: 8 }), layout: 'NHWC', classes: 5 },
];
if (args.graph) {
  engines.push({ label: 'tfjs-wasm graph mobilenet_v2_mid (alpha 1.4)', load: () => loadNsfwjsModel('mobilenet_v2_mid', { batchSize: 8 }), layout: 'NHWC', classes: 5 });
}
const haveOnnx = existsSync(onnxPath);
if (haveOnnx) {
  engines.push({ label: `onnx torchvision mobilenet_v2 (${availableParallelism()} threads)`, load: () => loadOnnxModel(onnxPath, { batchSize: 8 }), layout: 'NCHW', classes: 1000 });
  engines.push({ label: 'onnx torchvision mobilenet_v2 (1 thread)', load: () => loadOnnxModel(onnxPath, { batchSize: 8, threads: 1 }), layout: 'NCHW', classes: 1000 });
} else {
  console.error(`${onnxPath} is missing: the ONNX side is skipped (npm run bench exports it; or python3 bench/export_models.py --out bench/models)`);
}

const per = 224 * 224 * 3;
// the same pixels for every engine (a smooth pattern in [0, 1]), laid out as each model takes them
function images(n: number, layout: 'NHWC' | 'NCHW'): Float32Array {
  const x = new Float32Array(n * per);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < 224; i++) {
      for (let j = 0; j < 224; j++) {
        for (let c = 0; c < 3; c++) {
          const v = 0.5 + 0.4 * Math.sin((i + 7 * e) / 9 + c) * Math.cos((j - 5 * e) / 13 - c);
          x[e * per + (layout === 'NHWC' ? (i * 224 + j) * 3 + c : (c * 224 + i) * 224 + j)] = v;
        }
      }
    }
  }
  return x;
}

interface Samples {
  grad_b1_ms: number[];
  grad_b8_ms: number[];
  forward_b1_ms: number[];
}

async function measure(engine: Engine, extra: Record<string, unknown>): Promise<Samples> {
  const model = await engine.load();
  try {
    const x8 = images(8, engine.layout);
    const x1 = x8.subarray(0, per);
    const target = classLogit(0, engine.classes);
    const grad = (x: Float32Array) => model.run(x, { gradients: { seed: target, wrt: ['input'] } });
    const time = (f: () => Promise<unknown>) => timeRuns(f, repeats); // warm-up compiles sessions (ONNX), the dry run and heap growth (tfjs)
    const s: Samples = {
      forward_b1_ms: await time(() => model.run(x1, { outputs: ['logits'] })),
      grad_b1_ms: await time(() => grad(x1)),
      grad_b8_ms: await time(() => grad(x8)),
    };
    if (engine.label.startsWith('tfjs') && !extra[engine.label]) {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await grad(x8);
      const info = await tf.profile(() => grad(x8));
      extra[engine.label] = {
        tensor_growth_over_4_calls: tf.memory().numTensors - before,
        peak_mb_per_example_b8: info.peakBytes / 2 ** 20 / 8,
      };
    }
    return s;
  } finally {
    await model.dispose();
  }
}

async function main(): Promise<void> {
  const samples: Record<string, Samples> = {};
  const extra: Record<string, unknown> = {};
  for (let r = 0; r < rounds; r++) {
    for (const engine of engines) {
      console.error(`round ${r + 1}/${rounds}: ${engine.label}`);
      const s = await measure(engine, extra);
      samples[engine.label] ??= { grad_b1_ms: [], grad_b8_ms: [], forward_b1_ms: [] };
      for (const k of Object.keys(s) as (keyof Samples)[]) samples[engine.label][k].push(...s[k]);
    }
  }
  const summary: Record<string, Record<string, number>> = {};
  const rows: string[] = [];
  for (const engine of engines) {
    const s = samples[engine.label];
    const b1 = median(s.grad_b1_ms);
    const b8 = median(s.grad_b8_ms);
    summary[engine.label] = { forward_b1_ms: median(s.forward_b1_ms), grad_b1_ms: b1, grad_b8_ms: b8, grad_b8_ms_per_image: b8 / 8 };
    rows.push(`${engine.label.padEnd(46)} forward b1 ${median(s.forward_b1_ms).toFixed(0).padStart(5)} ms   input gradient b1 ${b1.toFixed(0).padStart(5)} ms   b8 ${b8.toFixed(0).padStart(6)} ms (${(b8 / 8).toFixed(0)} ms/image)`);
  }
  const tfjsLabel = engines[0].label;
  const ratios: Record<string, number> = {};
  for (const engine of engines.filter((e) => e.label.startsWith('onnx'))) {
    ratios[`${tfjsLabel} / ${engine.label}, b1`] = summary[tfjsLabel].grad_b1_ms / summary[engine.label].grad_b1_ms;
    ratios[`${tfjsLabel} / ${engine.label}, b8`] = summary[tfjsLabel].grad_b8_ms / summary[engine.label].grad_b8_ms;
  }
  const result = {
    benchmark: 'tfjs',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    rounds,
    repeats,
    summary,
    ratios,
    tfjs: extra,
    notes: [
      'input gradient = forward + backward, gradient of one logit per example with respect to the input',
      'tfjs-wasm runs one thread in Node (SIMD on); onnxruntime is shown with the default threads and with 1',
      'the tfjs model has trained (quantised) weights and a 1280-256-128-5 head; the ONNX one random weights and a 1280-1000 head',
    ],
    samples,
  };
  for (const [k, v] of Object.entries(ratios)) rows.push(`${k}: ${v.toFixed(2)}x`);
  rows.push(JSON.stringify(extra));
  writeResult('tfjs', result, rows, args.out);
}

runBenchmark(main);
