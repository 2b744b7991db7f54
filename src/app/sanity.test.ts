import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.js';

test('saliency sanity writes the report with the cascading figure and a verdict per method', async () => {
  const out = mkdtempSync(join(tmpdir(), 'saliency-sanity-'));
  try {
    const code = await main(['sanity', '-m', 'models/fashion-mnist/model.onnx', '--fashion-mnist', '4', '--methods', 'gradient', '--no-independent', '-o', out, '--json']);
    assert.equal(code, 0);
    const record = JSON.parse(readFileSync(join(out, 'sanity.json'), 'utf8'));
    assert.deepEqual(record.verdicts.map((v: { method: string }) => v.method), ['gradient', 'sobel']);
    assert.equal(record.levels.length, 4);
    const html = readFileSync(join(out, 'sanity.html'), 'utf8');
    assert.match(html, /<svg/);
    // 8 maps (2 rows x 4 columns) as embedded PNGs, not 784 SVG rects each (~90 kB a map)
    assert.equal((html.match(/<image [^>]*href="data:image\/png;base64,/g) ?? []).length, 8);
    assert.doesNotMatch(html, /<rect/);
    assert.ok(html.length < 40_000, `sanity.html is ${html.length} bytes`);
    assert.match(html, /below <b>0.5<\/b>/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
