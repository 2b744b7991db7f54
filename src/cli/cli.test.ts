/**
 * The `saliency` command as a user runs it: spawned processes of src/cli/main.ts (through
 * tsx, so the tests see the source, not a stale dist/) on the committed Fashion-MNIST
 * model and images, checking the files and numbers they write, and each bad input's
 * message and exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadOnnx, saveOnnx } from '../graph/onnx.js';
import { loadImages } from '../io/image.js';
import { encodeNpy, readNpy } from '../io/npy.js';
import { preprocessingFor, resolvePreprocessing } from '../io/preprocess.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = join(ROOT, 'models/fashion-mnist/model.onnx');
const IMAGES = join(ROOT, 'models/fashion-mnist/images');
const COAT = join(IMAGES, '04-coat.png');
const BOOT = join(IMAGES, '09-ankle-boot.png');
const INDEX = JSON.parse(readFileSync(join(IMAGES, 'index.json'), 'utf8')) as { images: Array<{ file: string; prediction: number; logits: number[] }> };

const work = mkdtempSync(join(tmpdir(), 'saliency-cli-test-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function saliency(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // the demo's Fashion-MNIST part (with its evaluation) takes ~25 s alone, several times that on a loaded machine
    timeout: args[0] === 'demo' ? 180_000 : 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

interface RunJson {
  id: string;
  method: string;
  params: Record<string, unknown>;
  results: Array<{ input: number; delta?: number; sum: number; fx?: number; fBaseline?: number; files?: Record<string, string> }>;
  file?: string;
  timings: { wallMs: number };
}

test('explain: one image -> PNGs, raw .npy and a JSON record whose numbers check out', async () => {
  const out = join(work, 'explain-coat');
  const r = saliency('explain', '--model', MODEL, '--image', COAT, '--method', 'ig', '--baseline', 'black', '--steps', '64', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const rec = JSON.parse(r.stdout) as { inputs: Array<{ prediction: { class: number; logit: number }; target: { class: number } }>; runs: RunJson[]; model: { inputShape: number[] } };
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8')).runs.length, 1, 'explain.json is the record printed');
  const expected = INDEX.images.find((i) => i.file === '04-coat.png')!;
  // the prediction is the one recorded when the model was trained and exported
  assert.equal(rec.inputs[0].prediction.class, expected.prediction);
  assert.ok(Math.abs(rec.inputs[0].prediction.logit - expected.logits[expected.prediction]) < 1e-4);
  assert.equal(rec.inputs[0].target.class, expected.prediction, 'top1 explains the predicted class');

  const run = rec.runs[0];
  assert.equal(run.id, 'ig-black');
  assert.equal(run.method, 'integratedGradients');
  assert.equal(run.params['steps'], 64);
  const res = run.results[0];
  for (const kind of ['heatmap', 'signed', 'overlay', 'npy']) assert.ok(existsSync(join(out, res.files![kind])), `${kind} written`);
  assert.deepEqual(readdirSync(out).sort(), ['04-coat.ig-black.heatmap.png', '04-coat.ig-black.npy', '04-coat.ig-black.overlay.png', '04-coat.ig-black.signed.png', 'explain.json']);

  // the raw attribution has the model input's shape, and the delta is sum(phi) - (f(x) - f(x'))
  const phi = readNpy(join(out, res.files!['npy']));
  assert.deepEqual(phi.shape, [1, 1, 28, 28]);
  const total = sum(phi.data as Float32Array);
  assert.ok(Math.abs(total - res.sum) < 1e-4 * Math.max(1, Math.abs(total)));
  assert.ok(Math.abs(res.fx! - expected.logits[expected.prediction]) < 1e-4, 'f(x) is the explained logit');
  const delta = total - (res.fx! - res.fBaseline!);
  assert.ok(Math.abs(delta - res.delta!) < 1e-3, `delta ${res.delta} vs sum(phi) - (f(x) - f(x')) = ${delta}`);
  assert.ok(Math.abs(res.delta!) < 0.01 * Math.abs(res.fx! - res.fBaseline!), 'IG with 64 steps is complete to 1%');

  // pictures: 28 x 28 enlarged by whole pixels to 224 x 224
  const meta = await sharp(join(out, res.files!['heatmap'])).metadata();
  assert.deepEqual([meta.width, meta.height, meta.format], [224, 224, 'png']);
});

test('explain --input x.npy: attributions of the same shape, equal to those of the images', () => {
  const prep = resolvePreprocessing(preprocessingFor(MODEL), [1, 28, 28]);
  const x = join(work, 'x.npy');
  return loadImages([COAT, BOOT], prep).then(({ batch, shape }) => {
    writeFileSync(x, encodeNpy({ shape, data: batch }));
    const targets = join(work, 'targets.json');
    writeFileSync(targets, JSON.stringify([4, 9]));
    const out = join(work, 'explain-npy');
    const r = saliency('explain', '--model', MODEL, '--input', x, '--method', 'ig,gradient', '--steps', '32', '--target', targets, '--out', out, '--json');
    assert.equal(r.code, 0, r.stderr);
    const rec = JSON.parse(r.stdout) as { runs: RunJson[]; inputs: Array<{ target: { class: number } }> };
    assert.deepEqual(rec.inputs.map((i) => i.target.class), [4, 9]);
    assert.deepEqual(readdirSync(out).sort(), ['attributions.gradient.npy', 'attributions.ig-black.npy', 'explain.json']);
    const ig = readNpy(join(out, 'attributions.ig-black.npy'));
    assert.deepEqual(ig.shape, [2, 1, 28, 28]);
    assert.equal(rec.runs[0].results.length, 2);
    // the same image through --image gives the same numbers
    const out2 = join(work, 'explain-npy-image');
    const r2 = saliency('explain', '--model', MODEL, '--image', BOOT, '--steps', '32', '--out', out2, '--json');
    assert.equal(r2.code, 0, r2.stderr);
    const single = readNpy(join(out2, '09-ankle-boot.ig-black.npy')).data as Float32Array;
    const second = (ig.data as Float32Array).subarray(784);
    let worst = 0;
    for (let i = 0; i < 784; i++) worst = Math.max(worst, Math.abs(single[i] - second[i]));
    assert.ok(worst < 1e-5, `--input and --image agree (max difference ${worst})`);

    // one example without a batch axis keeps its shape
    const one = join(work, 'one.npy');
    writeFileSync(one, encodeNpy({ shape: [1, 28, 28], data: batch.slice(0, 784) }));
    const out3 = join(work, 'explain-one');
    const r3 = saliency('explain', '--model', MODEL, '--input', one, '--method', 'inputxgradient', '--out', out3);
    assert.equal(r3.code, 0, r3.stderr);
    assert.deepEqual(readNpy(join(out3, 'attributions.inputxgradient.npy')).shape, [1, 28, 28]);
    assert.match(r3.stdout, /predicted Coat/);
  });
});

test('bad input: exit code 3 and a message naming the problem', () => {
  const corrupt = join(work, 'corrupt.onnx');
  writeFileSync(corrupt, 'this is not a model\n');
  const broken = join(work, 'broken.png');
  writeFileSync(broken, Buffer.from('89504e470d0a1a0a0000000d49484452deadbeef', 'hex'));
  // an op with no backward rule on the gradient path: Relu -> Elu
  const graph = loadOnnx(MODEL);
  graph.nodes.find((n) => n.opType === 'Relu')!.opType = 'Elu';
  const elu = join(work, 'elu.onnx');
  writeFileSync(elu, saveOnnx(graph));

  const cases: Array<[string, string[], RegExp]> = [
    ['missing model', ['--model', join(work, 'nope.onnx'), '--image', COAT], /cannot open model .*nope\.onnx: no such file/],
    ['corrupt model', ['--model', corrupt, '--image', COAT], /corrupt\.onnx is not a readable ONNX model/],
    ['missing image', ['--model', MODEL, '--image', join(work, 'nope.png')], /cannot read image .*nope\.png: no such file/],
    ['undecodable image', ['--model', MODEL, '--image', broken], /cannot read image .*broken\.png/],
    ['target out of range', ['--model', MODEL, '--image', COAT, '--target', '12'], /target class 12 is out of range: the model has 10 outputs \(classes 0\.\.9\)/],
    ['unsupported op', ['--model', elu, '--image', COAT], /no backward rule for op 'Elu'/],
    ['missing input file', ['--model', MODEL, '--input', join(work, 'nope.npy')], /cannot read input .*nope\.npy: no such file/],
    ['wrong input shape', ['--model', MODEL, '--input', join(ROOT, 'fixtures/torch/tiny_vgg.input.npy')], /has shape \[.*\]; the model takes \[n, 1, 28, 28\]/],
  ];
  for (const [what, args, message] of cases) {
    const out = join(work, `bad-${what.replace(/ /g, '-')}`);
    const r = saliency('explain', ...args, '--out', out);
    assert.equal(r.code, 3, `${what}: exit ${r.code}, stderr ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.ok(!existsSync(out), `${what}: nothing written`);
  }
});

test('bad usage: exit code 2 for unknown methods, flags and flag values', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown method', ['--method', 'foo'], /unknown method 'foo' \(known: ig, gradient, inputxgradient, smoothgrad, .*expectedgradients/],
    ['bad steps', ['--steps', 'abc'], /--steps must be a positive integer or 'auto', got 'abc'/],
    ['bad baseline', ['--baseline', 'sepia'], /unknown baseline 'sepia'/],
    ['bad baseline parameter', ['--baseline', 'blur:sigma=-1'], /sigma must be a positive number, got '-1'/],
    ['bad batch size', ['--batch-size', '0'], /--batch-size must be a positive integer, got '0'/],
    ['bad size flag', ['--size', 'big'], /--size must be N or HxW/],
    ['unknown option', ['--colour', 'red'], /unknown option '--colour'/],
    ['image and input', ['--input', 'x.npy'], /either --image files or --input x.npy, not both/],
  ];
  for (const [what, extra, message] of cases) {
    const r = saliency('explain', '--model', MODEL, '--image', COAT, ...extra, '--out', join(work, 'usage'));
    assert.equal(r.code, 2, `${what}: exit ${r.code}, stderr ${r.stderr}`);
    assert.match(r.stderr, message, what);
  }
  const none = saliency('explain', '--model', MODEL);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /nothing to explain/);
  const verb = saliency('explane');
  assert.equal(verb.code, 2);
  assert.match(verb.stderr, /unknown command 'explane'/);
  assert.equal(saliency('--help').code, 0);
});

test('a failure part-way leaves the output directory as it was (no half-written files)', () => {
  const out = join(work, 'atomic');
  const ok = saliency('explain', '--model', MODEL, '--image', COAT, '--method', 'gradient', '--out', out);
  assert.equal(ok.code, 0, ok.stderr);
  const before = readdirSync(out).sort();
  const broken = join(work, 'broken2.jpg');
  writeFileSync(broken, 'not a jpeg');
  const bad = saliency('explain', '--model', MODEL, '--image', BOOT, broken, '--method', 'gradient', '--out', out);
  assert.equal(bad.code, 3);
  assert.deepEqual(readdirSync(out).sort(), before, 'nothing added or replaced');
  assert.deepEqual(readdirSync(work).filter((f) => f.includes('.partial-')), [], 'no staging directory left behind');
});

test('compare: grid PNG, self-contained HTML report, record', async () => {
  const out = join(work, 'compare');
  const r = saliency('compare', '--model', MODEL, '--image', COAT, BOOT, '--methods', 'gradient,ig', '--baseline', 'black', 'blur:sigma=2', '--steps', '16', '--paths', '1', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['compare.json', 'grid.png', 'report.html']);
  const rec = JSON.parse(r.stdout) as { runs: RunJson[]; paths: Array<{ input: number; fx: number; fBaseline: number; attributionSum: number }> };
  assert.deepEqual(rec.runs.map((x) => x.id), ['gradient', 'ig-black', 'ig-blur-sigma2']);
  assert.equal(rec.paths.length, 1);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(!/(src|href)="(?!data:|#|grid\.png)/.test(html), 'only data URIs, anchors and the grid PNG link');
  assert.ok(!/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), 'no scripts, no network');
  assert.equal((html.match(/<td class="cell"[ >]/g) ?? []).length, 2 * 3, 'a cell per image and run');
  assert.match(html, /Integrated Gradients along the path/);
  assert.match(html, /δ = /);
  const grid = await sharp(join(out, 'grid.png')).metadata();
  assert.equal(grid.format, 'png');
  assert.ok(grid.width! > 500 && grid.height! > 300);
});

test('inspect and verify keep working', () => {
  const r = saliency('inspect', '--model', MODEL, '--json');
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { inputShape: number[]; opsWithoutGradient: string[] };
  assert.deepEqual(info.inputShape, [1, 28, 28]);
  assert.deepEqual(info.opsWithoutGradient, []);
  const v = saliency('verify', '--json');
  assert.equal(v.code, 0, v.stderr);
  assert.equal((JSON.parse(v.stdout) as { ok: boolean }).ok, true);
});

test('demo --only fashion-mnist writes the report', () => {
  const out = join(work, 'demo');
  const r = saliency('demo', '--only', 'fashion-mnist', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { parts: Array<{ id: string; runs: Array<{ id: string }>; predictions: Array<{ label: string }>; evaluation: Array<{ method: string; metric: string; mean: number; count: number }> }>; report: string };
  assert.deepEqual(summary.parts.map((p) => p.id), ['fashion-mnist']);
  assert.equal(summary.parts[0].runs.length, 17, 'gradient, input x gradient, smoothgrad, Grad-CAM, LRP, XRAI, occlusion, RISE, KernelSHAP, Score-CAM, FullGrad, IG x 3 baselines, EG x 3 distributions');
  for (const m of ['occlusion', 'rise', 'kernelshap', 'xrai']) assert.ok(summary.parts[0].runs.some((x) => x.id.startsWith(m)), `the ${m} column is shown`);
  assert.ok(['gradcam', 'scorecam', 'fullgrad'].every((m) => summary.parts[0].runs.some((x) => x.id.startsWith(m))), 'the CAM family is shown');
  const ev = summary.parts[0].evaluation;
  assert.equal(ev.length, 17 * 3, 'every column x deletion, insertion, top-k ablation');
  for (const row of ev) assert.ok(row.count === 10 && Number.isFinite(row.mean), `${row.method} ${row.metric}`);
  assert.deepEqual(summary.parts[0].predictions.map((p) => p.label).slice(0, 3), ['T-shirt/top', 'Trouser', 'Pullover']);
  assert.deepEqual(readdirSync(out).sort(), ['demo.json', 'fashion-mnist.grid.png', 'report.html']);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal((html.match(/<details class="path"/g) ?? []).length, 10);
  assert.match(html, /<section id="fashion-mnist-evaluation"/);
  assert.match(html, /random ranking \(control\)/);
});
