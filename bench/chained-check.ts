/**
 * Chained edits (Model.runEdited with chained: true, src/engine/editedRuns.ts) on a bench model:
 * Shapley sampling's orderings over the benchmark's 50 SLIC superpixels (bench/superpixels.ts),
 * baseline 0. Agreement of the chained runs with full runs of the explicitly built images
 * (relative L2 per image), of Shapley sampling with and without `incremental`, and the time of
 * the chains against full runs of the same images, alternating. A check to run by hand, on
 * bench/models/ which is not in the repo (bench/perturbation.bench.ts times Shapley sampling
 * against Captum).
 *
 *   node --import tsx bench/chained-check.ts [--model mobilenet_v2] [--orderings 2] [--batch 16] [--repeats 3] [--cuts]
 *
 * --cuts also times the chains through every candidate cut (forced), with the cost model's estimate.
 */
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOnnxModel, type OnnxModel } from '../src/engine/onnx.js';
import { relativeL2 } from '../src/engine/numeric.js';
import type { ImageEdit } from '../src/engine/model.js';
import { localPrefix } from '../src/graph/localPrefix.js';
import { inferShapes } from '../src/graph/shapes.js';
import { planChunkedCrops } from '../src/engine/incremental.js';
import { boxValues } from '../src/engine/imageEdits.js';
import { featureIndex, positions } from '../src/methods/perturbation/features.js';
import { featureBounds } from '../src/methods/perturbation/featureEdits.js';
import { shapleySampling, shuffled } from '../src/methods/perturbation/shapleySampling.js';
import { inputSpace } from '../src/engine/space.js';
import { Rng } from '../src/random.js';
import { BENCH_DIR, BENCH_SESSION, benchInput, median } from './common.js';
import { benchSuperpixels } from './superpixels.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet_v2' },
    orderings: { type: 'string', default: '2' },
    batch: { type: 'string', default: '16' },
    repeats: { type: 'string', default: '3' },
    cuts: { type: 'boolean', default: false },
  },
});
const B = Number(args.batch);
const load = () => execSync('uptime').toString().trim();

async function main(): Promise<void> {
  console.log(`load: ${load()}`);
  const path = join(BENCH_DIR, 'models', `${args.model}.onnx`);
  const model = await loadOnnxModel(path, { batchSize: B, ...BENCH_SESSION });
  const shape = model.inputShape;
  const x = benchInput();
  const baseline = new Float32Array(x.length);
  const mask = benchSuperpixels();
  const f = featureIndex(mask, positions(inputSpace(model)));
  const bounds = featureBounds(f, shape);
  const sides = bounds.map((b) => Math.max(b.h, b.w)).sort((a, b) => a - b);
  console.log(`${f.count} superpixels, bounding box sides ${sides[0]}-${sides[sides.length - 1]} px (median ${median(sides)})`);
  // the chains: per ordering, the baseline with one more superpixel taken from x at each step
  const rng = new Rng(11);
  const chains: ImageEdit[][] = [];
  for (let o = 0; o < Number(args.orderings); o++) {
    const order = shuffled(f.count, rng);
    const current = Float32Array.from(baseline);
    chains.push(order.slice(0, -1).map((k) => {
      for (let q = f.offsets[k]; q < f.offsets[k + 1]; q++) current[f.order[q]] = x[f.order[q]];
      return { box: bounds[k], values: boxValues(current, shape, bounds[k]) };
    }));
  }
  const full = async (edits: ImageEdit[]) => {
    const out = new Float32Array(edits.length * model.outputShape[0]);
    const current = Float32Array.from(baseline);
    const images = new Float32Array(B * x.length);
    for (let s = 0; s < edits.length; s += B) {
      const chunk = edits.slice(s, s + B);
      chunk.forEach(({ box, values }, k) => {
        for (let c = 0; c < shape[0]; c++) for (let r = 0; r < box.h; r++) current.set(values.subarray((c * box.h + r) * box.w, (c * box.h + r + 1) * box.w), (c * shape[1] + box.y + r) * shape[2] + box.x);
        images.set(current, k * x.length);
      });
      out.set((await model.run(images.subarray(0, chunk.length * x.length), { outputs: ['logits'] }))['logits'], s * model.outputShape[0]);
    }
    return out;
  };
  const chained = (m: OnnxModel) => async (edits: ImageEdit[]) => m.runEdited(baseline, edits, { chained: true });
  const k = model.outputShape[0];
  const errs: number[] = [];
  for (const edits of chains) {
    const a = await chained(model)(edits);
    const b = await full(edits);
    for (let i = 0; i < edits.length; i++) errs.push(relativeL2(a.subarray(i * k, (i + 1) * k), b.subarray(i * k, (i + 1) * k)));
  }
  console.log(`agreement over ${errs.length} chained images: relative L2 max ${Math.max(...errs).toExponential(2)}, median ${median(errs).toExponential(2)}`);
  const shapOptions = { features: mask, samples: Number(args.orderings), target: 0 };
  const fast = await shapleySampling(model, x, shapOptions);
  const plain = await shapleySampling(model, x, { ...shapOptions, incremental: false });
  console.log(`Shapley sampling, incremental against plain: relative L2 ${relativeL2(fast.values, plain.values).toExponential(2)}`);
  const prefix = localPrefix(model.graph, inferShapes(model.graph, { [model.graph.inputs[0].name]: [1, ...shape] }), model.graph.inputs[0].name);
  const plan = planChunkedCrops(prefix, shape[1], shape[2], chains[0].map((e) => e.box), B);
  console.log(plan ? `cut: ${plan.cut.tensor}, crops ${plan.chunks.map((c) => `${c.rows.size}x${c.cols.size}`).join(', ')}, estimated cost ${plan.relativeCost.toFixed(3)} of full runs` : 'no cut saves 15%: the engine runs the chains in full');
  const time = async (run: (e: ImageEdit[]) => Promise<unknown>) => {
    const t0 = performance.now();
    for (const edits of chains) await run(edits);
    return performance.now() - t0;
  };
  await time(chained(model));
  const inc: number[] = [];
  const fullMs: number[] = [];
  for (let r = 0; r < Number(args.repeats); r++) {
    fullMs.push(await time(full));
    inc.push(await time(chained(model)));
  }
  console.log(`${chains.length} chains of ${chains[0].length}: full runs ${median(fullMs).toFixed(0)} ms, chained runEdited ${median(inc).toFixed(0)} ms, ratio ${(median(inc) / median(fullMs)).toFixed(3)}`);
  if (args.cuts) {
    for (const cut of prefix.cuts) {
      const p = planChunkedCrops({ ...prefix, cuts: [cut] }, shape[1], shape[2], chains[0].map((e) => e.box), B, -Infinity);
      if (!p || p.relativeCost > 1.2) continue;
      const forced = await loadOnnxModel(path, { batchSize: B, ...BENCH_SESSION, incremental: { cut: cut.tensor } });
      await time(chained(forced));
      const ms = median([await time(chained(forced)), await time(chained(forced))]);
      await forced.dispose();
      console.log(`${cut.tensor}: estimate ${p.relativeCost.toFixed(3)}, measured ${(ms / median(fullMs)).toFixed(3)}`);
    }
  }
  console.log(`load: ${load()}`);
  await model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
