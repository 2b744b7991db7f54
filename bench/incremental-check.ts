/**
 * Incremental inference (Model.runPatched, src/engine/incremental.ts) on a bench model:
 * agreement with full runs of the patched images, and the time of the 729 windows of
 * occlusion (16x16, stride 8, fill 0) through runPatched against full runs, alternating.
 * Not a benchmark of the suite (no reference library; bench/perturbation.bench.ts times
 * occlusion against Captum): a check to run by hand, on bench/models/ which is not in the repo.
 *
 *   node --import tsx bench/incremental-check.ts [--model mobilenet_v2] [--batch 16] [--repeats 3] [--cuts]
 *
 * --cuts also times the windows through every candidate cut (forced), with the cost model's
 * estimate beside each: what the estimate in incremental.ts is calibrated against.
 */
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOnnxModel } from '../src/engine/onnx.js';
import { relativeL2, maxAbsDiff } from '../src/engine/numeric.js';
import type { ImageBox } from '../src/engine/model.js';
import { localPrefix } from '../src/graph/localPrefix.js';
import { inferShapes } from '../src/graph/shapes.js';
import { planCrops } from '../src/engine/incremental.js';
import { BENCH_DIR, BENCH_SESSION, benchInput, median } from './common.js';

const { values: args } = parseArgs({
  options: { model: { type: 'string', default: 'mobilenet_v2' }, batch: { type: 'string', default: '16' }, repeats: { type: 'string', default: '3' }, cuts: { type: 'boolean', default: false } },
});

const B = Number(args.batch);

async function main(): Promise<void> {
  console.log(`load: ${execSync('uptime').toString().trim()}`);
  const model = await loadOnnxModel(join(BENCH_DIR, 'models', `${args.model}.onnx`), { batchSize: B, ...BENCH_SESSION });
  const [c, h, w] = model.inputShape;
  const base = benchInput();
  const fill = new Float32Array(base.length);
  const windows: ImageBox[] = [];
  for (let y = 0; y <= h - 16; y += 8) for (let x = 0; x <= w - 16; x += 8) windows.push({ y, x, h: Math.min(16, h - y), w: Math.min(16, w - x) });
  const full = async (boxes: ImageBox[]) => {
    const out: Float32Array[] = [];
    const images = new Float32Array(B * base.length);
    for (let s = 0; s < boxes.length; s += B) {
      const chunk = boxes.slice(s, s + B);
      chunk.forEach((b, k) => {
        const img = images.subarray(k * base.length, (k + 1) * base.length);
        img.set(base);
        for (let ch = 0; ch < c; ch++) for (let y = b.y; y < b.y + b.h; y++) img.fill(0, (ch * h + y) * w + b.x, (ch * h + y) * w + b.x + b.w);
      });
      out.push((await model.run(images.subarray(0, chunk.length * base.length), { outputs: ['logits'] }))['logits']);
    }
    const all = new Float32Array(out.reduce((a, o) => a + o.length, 0));
    let at = 0;
    for (const o of out) (all.set(o, at), (at += o.length));
    return all;
  };
  const incremental = async (boxes: ImageBox[]) => {
    const parts: Float32Array[] = [];
    for (let s = 0; s < boxes.length; s += B) parts.push(await model.runPatched(base, fill, boxes.slice(s, s + B)));
    const all = new Float32Array(parts.reduce((a, o) => a + o.length, 0));
    parts.forEach((p, i) => all.set(p, i * parts[0].length));
    return all;
  };
  // agreement: corners, edges, interior
  const sample = windows.filter((_, i) => i % 37 === 0 || i === windows.length - 1);
  const a = await incremental(sample);
  const b = await full(sample);
  const k = model.outputShape[0];
  const errs = sample.map((_, i) => relativeL2(a.subarray(i * k, (i + 1) * k), b.subarray(i * k, (i + 1) * k)));
  console.log(`agreement over ${sample.length} windows: relative L2 max ${Math.max(...errs).toExponential(2)}, max abs ${maxAbsDiff(a, b).toExponential(2)}`);
  const prefix = localPrefix(model.graph, inferShapes(model.graph, { [model.graph.inputs[0].name]: [1, c, h, w] }), model.graph.inputs[0].name);
  const plan = planCrops(prefix, h, w, windows.slice(0, B));
  console.log(`cut: ${plan?.cut.tensor ?? 'none'}, crop ${plan?.rows.size}x${plan?.cols.size}, estimated cost ${plan?.relativeCost.toFixed(3)} of full runs`);
  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  await time(() => incremental(windows.slice(0, 32)));
  const inc: number[] = [];
  const fullMs: number[] = [];
  for (let r = 0; r < Number(args.repeats); r++) {
    fullMs.push(await time(() => full(windows)));
    inc.push(await time(() => incremental(windows)));
  }
  console.log(`${windows.length} windows: full runs ${median(fullMs).toFixed(0)} ms, runPatched ${median(inc).toFixed(0)} ms, ratio ${(median(inc) / median(fullMs)).toFixed(3)}`);
  if (args.cuts) {
    for (const cut of prefix.cuts) {
      const p = planCrops({ ...prefix, cuts: [cut] }, h, w, windows.slice(0, B));
      if (!p) continue;
      const forced = await loadOnnxModel(join(BENCH_DIR, 'models', `${args.model}.onnx`), { batchSize: B, ...BENCH_SESSION, incremental: { cut: cut.tensor } });
      const through = async (boxes: ImageBox[]) => {
        for (let s = 0; s < boxes.length; s += B) await forced.runPatched(base, fill, boxes.slice(s, s + B));
      };
      await time(() => through(windows.slice(0, B)));
      const ms = median([await time(() => through(windows)), await time(() => through(windows))]);
      await forced.dispose();
      console.log(`${cut.tensor}: crop ${p.rows.size}, estimate ${p.relativeCost.toFixed(3)}, measured ${(ms / median(fullMs)).toFixed(3)}`);
    }
  }
  console.log(`load: ${execSync('uptime').toString().trim()}`);
  await model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
