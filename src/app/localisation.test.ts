import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionCount } from '../engine/onnx.js';
import { localisation } from './localisation.js';

test('saliency localisation: the scores it prints are the ones it writes, input x gradient beats the mask share, and an unknown method is refused and writes nothing', async () => {
  const out = mkdtempSync(join(tmpdir(), 'localisation-'));
  try {
    const sessions = openSessionCount();
    const r = await localisation({ methods: ['gradient', 'inputxgradient'], trainImages: 300, explained: 8, epochs: 3, out });
    assert.equal(openSessionCount(), sessions);
    const saved = JSON.parse(readFileSync(join(out, 'localisation.json'), 'utf8'));
    assert.deepEqual({ ...saved, seconds: undefined }, { ...r.result, seconds: undefined });
    assert.deepEqual(Object.keys(r.result.scores), ['gradient', 'inputxgradient']);
    assert.ok(r.result.scores.inputxgradient['relevance-rank'] > 4 * r.result.maskShare, JSON.stringify(r.result));
    const html = readFileSync(join(out, 'localisation.html'), 'utf8');
    for (const v of Object.values(r.result.scores.inputxgradient)) assert.ok(html.includes(v.toFixed(3)), `the page shows ${v.toFixed(3)}`);
    await assert.rejects(localisation({ methods: ['gradient', 'no-such-method'], out }), /no-such-method/);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'localisation.json'), 'utf8')), saved, 'a refused run writes nothing');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
