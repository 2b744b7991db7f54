/**
 * Per-op profile of a compiled forward+backward graph (onnxruntime's profiler), to see
 * which backward rules cost what.   node --import tsx bench/profile.ts bench/models/mobilenet_v2.onnx [batch]
 */
import * as ort from 'onnxruntime-node';
import { readFileSync, rmSync, readdirSync } from 'node:fs';
import { loadOnnx, saveOnnx } from '../src/graph/onnx.js';
import { inferShapes } from '../src/graph/shapes.js';
import { buildGradientGraph } from '../src/graph/autodiff.js';
import { gradientRules } from '../src/graph/rules/index.js';
import { plainGradientRewrites } from '../src/graph/canonize.js';

const [file, batchArg, threadsArg] = process.argv.slice(2);
const batch = Number(batchArg ?? 16);
const graph = loadOnnx(file);
const input = graph.inputs[0];
const shape = [batch, ...(input.shape!.slice(1) as number[])];
const out = graph.outputs[0].name;
// the engine's rewrites for the plain gradient (onnxRuntimeModel.ts)
const prepared = plainGradientRewrites(graph, inferShapes(graph, { [input.name]: shape }), new Set([out, input.name]));
const info = inferShapes(prepared, { [input.name]: shape });
const built = buildGradientGraph(prepared, info, { outputs: [], seeds: [out], wrt: [input.name], rules: gradientRules });
const session = await ort.InferenceSession.create(saveOnnx(built.graph), {
  enableProfiling: true,
  profileFilePrefix: '/tmp/sl-profile',
  intraOpNumThreads: Number(threadsArg ?? 2),
  graphOptimizationLevel: 'all',
});
const n = shape.reduce((a, b) => a * b, 1);
const x = new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.sin(i)), shape);
const seedShape = info.shapes.get(out)!;
const seed = new ort.Tensor('float32', new Float32Array(seedShape.reduce((a, b) => a * b, 1)).fill(1e-3), seedShape);
for (let i = 0; i < 4; i++) await session.run({ [input.name]: x, [built.seedInputs[out]]: seed });
session.endProfiling();
await session.release();
// onnxruntime-node writes <prefix>_<timestamp>.json
const profile = readdirSync('/tmp')
  .filter((f) => f.startsWith('sl-profile') && f.endsWith('.json'))
  .map((f) => `/tmp/${f}`)
  .sort()
  .pop()!;
const events = JSON.parse(readFileSync(profile, 'utf8')) as Array<{ cat: string; name: string; dur: number; args?: { op_name?: string } }>;
rmSync(profile);
const byOp = new Map<string, number>();
let total = 0;
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  const fromBackward = e.name.startsWith('grad/') ? 'bwd ' : 'fwd ';
  byOp.set(fromBackward + op, (byOp.get(fromBackward + op) ?? 0) + e.dur / 4 / 1000);
  total += e.dur / 4 / 1000;
}
for (const [op, ms] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${op.padEnd(30)} ${ms.toFixed(1).padStart(8)} ms`);
console.log(`total kernel time per run ${total.toFixed(1)} ms`);
