/**
 * `saliency evaluate` and the map kinds (CAMs' [n, H, W], layer attributions' layer
 * shape) through explain and compare, as a user runs them: spawned processes on the
 * committed Fashion-MNIST model; and the verb's table equal to the library's evaluate()
 * with the same options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readNpy } from '../io/npy.js';
import { evaluateCommand } from './evaluate.js';
import { metricOptionsHelp } from './evaluateCommand.js';
import { metricFlags } from '../app/evaluation.js';
import { methodFlags } from './flags.js';
import { main } from './main.js';
import { silentProgress } from './progress.js';
import { evaluate } from '../metrics/evaluate.js';
import { openModel, resolveFor } from '../app/model.js';
import { loadImages } from '../io/image.js';
import { gradient } from '../methods/gradient.js';
import { openSessionCount } from '../engine/onnx.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = join(ROOT, 'models/fashion-mnist/model.onnx');
const IMAGES = join(ROOT, 'models/fashion-mnist/images');
const COAT = join(IMAGES, '04-coat.png');
const BOOT = join(IMAGES, '09-ankle-boot.png');

const work = mkdtempSync(join(tmpdir(), 'saliency-evaluate-test-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function saliency(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Row {
  method: string;
  metric: string;
  mean: number;
  sd: number;
  count: number;
  scores: number[];
}

test('evaluate --json: methods x metrics with spread, curves as SVG, layer maps skipped with the reason, masks from --mask', async () => {
  // the ground truth: the centre 14 x 14 of the 28 x 28 image
  const mask = join(work, 'centre.png');
  const px = Buffer.alloc(28 * 28);
  for (let y = 7; y < 21; y++) for (let x = 7; x < 21; x++) px[y * 28 + x] = 255;
  await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(mask);
  const out = join(work, 'evaluate');
  const r = saliency(
    'evaluate', '--model', MODEL, '--image', COAT, BOOT, '--methods', 'gradient,gradcam,layerig',
    '--metrics', 'deletion,insertion', '--metrics', 'sparseness,pointing-game', '--mask', mask,
    '--deletion-steps', '10', '--insertion-steps', '10', '--out', out, '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const rec = JSON.parse(r.stdout) as { table: Row[]; skipped: Array<{ run: string; reason: string }>; runs: Array<{ id: string; values: { kind: string; resolution: string } }>; metrics: Array<{ name: string; options: Record<string, unknown> }>; results: Record<string, Record<string, { curves?: { x: number[]; y: number[][]; control?: number[][] } }>> };
  assert.deepEqual([...new Set(rec.table.map((x) => x.method))], ['gradient', 'gradcam']);
  assert.deepEqual([...new Set(rec.table.map((x) => x.metric))], ['deletion', 'insertion', 'sparseness', 'pointing-game']);
  assert.equal(rec.skipped.length, 1);
  assert.equal(rec.skipped[0].run, 'layerig-black');
  assert.match(rec.skipped[0].reason, /layer/);
  assert.deepEqual(rec.runs.map((x) => x.values.kind), ['input', 'spatial', 'layer']);
  assert.equal(rec.metrics.find((m) => m.name === 'deletion')!.options['steps'], 10);
  for (const row of rec.table) {
    assert.equal(row.scores.length, 2);
    const mean = (row.scores[0] + row.scores[1]) / 2;
    assert.ok(Math.abs(row.mean - mean) < 1e-12, `${row.method} ${row.metric}: mean of the scores`);
    assert.ok(Math.abs(row.sd - Math.abs(row.scores[0] - row.scores[1]) / Math.SQRT2) < 1e-9, 'sample sd');
  }
  const curve = rec.results['gradient']['deletion'].curves!;
  assert.equal(curve.x.length, 11);
  assert.equal(curve.y.length, 2);
  assert.equal(curve.control!.length, 2, 'random-ranking control per input');
  for (const row of rec.table.filter((x) => x.metric === 'pointing-game')) for (const s of row.scores) assert.ok(s === 0 || s === 1);
  assert.deepEqual(readdirSync(out).sort(), ['curve.deletion.svg', 'curve.insertion.svg', 'evaluate.json', 'grid.png', 'report.html']);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<section id="evaluation"/);
  assert.equal((html.match(/<svg[^>]*role="img"|<div class="plot">/g) ?? []).length >= 2, true, 'the curve plots');
  assert.match(html, /layerig-black not scored/);
  assert.ok(!/<script/.test(html));
});

test('evaluate: bad usage is exit code 2 with a message naming the fix', async () => {
  // in-process (main() is what the binary runs): three spawns would cost seconds each
  const run = async (...args: string[]) => {
    let stderr = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
    try {
      return { code: await main(args), stderr };
    } finally {
      process.stderr.write = write;
    }
  };
  const noMask = await run('evaluate', '--model', MODEL, '--image', COAT, '--metrics', 'pointing-game');
  assert.equal(noMask.code, 2);
  assert.match(noMask.stderr, /--mask/);
  const wrong = await run('evaluate', '--model', MODEL, '--image', COAT, '--metrics', 'deletion', '--insertion-steps', '4');
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /insertion.*not among --metrics/);
  const unknown = await run('evaluate', '--model', MODEL, '--image', COAT, '--metrics', 'nonesuch');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown metric 'nonesuch'/);
});

test('evaluate --help: method flags in one paragraph, metric options one block per metric; every flag listed', async () => {
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((t: string) => ((stdout += t), true)) as typeof process.stdout.write;
  try {
    await main(['evaluate', '--help']);
  } finally {
    process.stdout.write = write;
  }
  const lines = stdout.split('\n');
  assert.ok(lines.length < 160, `${lines.length} lines`);
  assert.ok(lines.every((l) => l.length <= 100), 'no line over 100 columns');
  for (const flag of methodFlags().keys()) assert.match(stdout, new RegExp(`--${flag}( |$)`, 'm'), `--${flag} named`);
  const blocks = metricOptionsHelp();
  assert.ok(stdout.includes(blocks));
  for (const [flag, use] of metricFlags()) {
    assert.doesNotMatch(stdout, new RegExp(`^  --${flag} `, 'm'), `--${flag} folded into its metric's block`);
    // the option sits in its metric's block: the text from the metric's line to the next metric's
    const start = blocks.search(new RegExp(`^  ${use.metric.name}( |$)`, 'm'));
    const rest = blocks.slice(start + 3);
    const end = rest.search(/^  \S/m);
    const block = end < 0 ? rest : rest.slice(0, end);
    assert.match(block, new RegExp(`(^|[ ,])${flag.slice(use.metric.name.length + 1)} `), `${flag} in the ${use.metric.name} block`);
  }
});

test('explain and compare with CAM, region, propagation and layer attributions: shapes, records, pictures', () => {
  const out = join(work, 'explain-maps');
  const r = saliency('explain', '--model', MODEL, '--image', COAT, '--method', 'gradcam,fullgrad,xrai,lrp,layerig', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const rec = JSON.parse(r.stdout) as { runs: Array<{ id: string; values: { kind: string; resolution: string; shape: number[]; layer?: string; note?: string }; results: Array<{ files: Record<string, string> }> }> };
  const byId = Object.fromEntries(rec.runs.map((x) => [x.id, x]));
  assert.deepEqual(byId['gradcam'].values.shape, [28, 28]);
  assert.equal(byId['gradcam'].values.kind, 'spatial');
  assert.equal(byId['gradcam'].values.resolution, 'input');
  assert.deepEqual(byId['xrai'].values.shape, [28, 28]);
  assert.deepEqual(byId['lrp'].values.shape, [1, 28, 28]);
  assert.equal(byId['lrp'].values.kind, 'input');
  const layer = byId['layerig-black'].values;
  assert.equal(layer.kind, 'layer');
  assert.equal(layer.resolution, 'layer');
  assert.match(layer.note!, /layer '.+' \[\d+, \d+, \d+\]/);
  for (const run of rec.runs) {
    const files = run.results[0].files;
    const npy = readNpy(join(out, files['npy']));
    assert.deepEqual(npy.shape, [1, ...run.values.shape], `${run.id}: the .npy keeps the values' own shape`);
    assert.ok(existsSync(join(out, files['heatmap'])), `${run.id}: a heat map`);
  }
  // a CAM kept at the layer: the record says so
  const small = saliency('explain', '--model', MODEL, '--image', COAT, '--method', 'gradcam', '--upsample', 'none', '--out', join(work, 'explain-small'), '--json');
  assert.equal(small.code, 0, small.stderr);
  const v = (JSON.parse(small.stdout) as { runs: Array<{ values: { resolution: string; shape: number[]; note?: string } }> }).runs[0].values;
  assert.equal(v.resolution, 'layer');
  assert.deepEqual(v.shape, [7, 7]);
  assert.match(v.note!, /7×7 map at layer/);

  const cmp = join(work, 'compare-maps');
  const c = saliency('compare', '--model', MODEL, '--image', COAT, BOOT, '--methods', 'gradcam,fullgrad,lrp,layerig', '--paths', '0', '--out', cmp, '--json');
  assert.equal(c.code, 0, c.stderr);
  const html = readFileSync(join(cmp, 'report.html'), 'utf8');
  assert.equal((html.match(/<td class="cell"[ >]/g) ?? []).length, 2 * 4, 'a picture per image and run');
  assert.match(html, /layer map 7×7/);
});

test('library: the verb scores what evaluate() scores with the same metric options', async () => {
  const before = openSessionCount();
  const verb = await evaluateCommand({
    model: MODEL, images: [COAT, BOOT], methods: ['gradient'], metrics: ['deletion', 'sparseness'],
    metricOptions: { 'deletion-steps': '8', 'deletion-substrate': 'mean' }, out: join(work, 'lib-evaluate'), progress: silentProgress(),
  });
  const opened = await openModel(MODEL, {});
  try {
    const prep = resolveFor(opened);
    const { batch } = await loadImages([COAT, BOOT], prep);
    const classes = verb.record.inputs.map((i) => i.target.class!);
    const g = await gradient(opened.model, batch, { target: classes });
    const lib = await evaluate(opened.model, batch, { gradient: g.values }, ['deletion', 'sparseness'], { target: classes, preprocessing: prep, metricOptions: { deletion: { steps: 8, substrate: 'mean' } } });
    for (const row of lib.rows) {
      const v = verb.record.table.find((x) => x.metric === row.metric)!;
      assert.deepEqual(v.scores.map((s) => Number(s.toPrecision(6))), row.scores.map((s) => Number(s.toPrecision(6))), row.metric);
    }
    assert.equal(lib.results['gradient']['deletion'].curves!.x.length, 9);
  } finally {
    await opened.dispose();
  }
  assert.equal(openSessionCount(), before, 'sessions closed');
});
