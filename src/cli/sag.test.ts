import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.js';

const MODEL = new URL('../../fixtures/torch/tiny_resnet.onnx', import.meta.url).pathname;
const IMAGE = new URL('../../fixtures/images/chelsea.jpg', import.meta.url).pathname;
const IMAGES = new URL('../../fixtures/images/', import.meta.url).pathname;
const VIT = new URL('../../fixtures/vit/tiny_vit.onnx', import.meta.url).pathname;

test('saliency sag writes the graph as SVG and JSON; sag-stats writes the dataset statistics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sag-'));
  try {
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    let code: number, code2: number;
    try {
      code = await main(['sag', '-m', MODEL, '-i', IMAGE, '--size', '32', '--range', '0,1', '--patches', '3', '-o', join(dir, 'g')]);
      code2 = await main(['sag-stats', '-m', MODEL, '-m', VIT, '--images', IMAGES, '--limit', '1', '--size', '32', '--range', '0,1', '--patches', '3', '-o', join(dir, 's')]);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0);
    const graph = JSON.parse(readFileSync(join(dir, 'g', 'chelsea.sag.json'), 'utf8'));
    assert.deepEqual(graph.grid, [3, 3]);
    assert.match(readFileSync(join(dir, 'g', 'chelsea.sag.svg'), 'utf8'), /^<svg/);
    const page = readFileSync(join(dir, 'g', 'report.html'), 'utf8');
    assert.match(page, /<section id="sag" class="figures">.*<figure class="figure"><svg role="img"/s, 'the graph is in the report');
    assert.match(page, /chelsea: \d+ minimal sufficient explanation/);
    assert.equal(code2, 0);
    const stats = JSON.parse(readFileSync(join(dir, 's', 'sag-stats.json'), 'utf8'));
    assert.deepEqual(stats.map((s: { model: string }) => s.model), [MODEL, VIT], 'a CNN and a ViT side by side');
    for (const s of stats) {
      assert.equal(s.images.length, 1);
      assert.equal(s.meanRoots, s.images[0].roots);
    }
    assert.ok(existsSync(join(dir, 's', 'sag-stats.svg')));
    assert.match(readFileSync(join(dir, 's', 'report.html'), 'utf8'), /<section id="sag-stats" class="figures">.*class="panel".*roots per image/s, 'the plots and numbers are in the report');
    const svg = readFileSync(join(dir, 's', 'sag-stats.svg'), 'utf8');
    for (const m of [MODEL, VIT]) assert.ok(svg.includes(`data-model="${m}"`), `bars of ${m}`);
    assert.equal(await main(['sag', '-m', MODEL, '-i', IMAGE, '--threshold', '2', '-o', join(dir, 'x')]), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
