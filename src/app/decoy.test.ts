import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionCount } from '../engine/onnx.js';
import { decoy } from './decoy.js';
import type { DecoyOptions } from '../trust/decoy.js';

test('a decoy run stopped after its first model resumes from the checkpoints without retraining it and gives the numbers of an uninterrupted run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'decoy-resume-'));
  try {
    const o: DecoyOptions = { trainImages: 256, testImages: 100, explained: 8, epochs: 2, methods: ['gradient'], artifacts: ['tag'], seed: 2 };
    const sessions = openSessionCount();
    const whole = await decoy({ ...o, out: join(dir, 'whole') });
    assert.ok(!existsSync(join(dir, 'whole', 'checkpoints')), 'a finished run leaves no checkpoints');
    const stop = new Error('stopped');
    const parts = join(dir, 'parts');
    await assert.rejects(decoy({ ...o, out: parts, onProgress: (w) => { if (w.startsWith('training the clean model')) throw stop; } }), (e) => e === stop);
    const decoyCheckpoint = join(parts, 'checkpoints', 'decoy', 'checkpoint.json');
    assert.equal(JSON.parse(readFileSync(decoyCheckpoint, 'utf8')).epoch, 2, 'the decoy model was checkpointed after its last epoch');
    assert.ok(!existsSync(join(parts, 'checkpoints', 'clean')), 'the clean model had not started');
    const before = readFileSync(decoyCheckpoint, 'utf8');
    let rewritten = false;
    const resumed = await decoy({
      ...o,
      out: parts,
      onProgress: (w) => {
        // by the time the clean model trains, the finished decoy model must not have been trained again
        if (w.startsWith('training the clean model')) rewritten = readFileSync(decoyCheckpoint, 'utf8') !== before;
      },
    });
    assert.equal(rewritten, false, 'the finished decoy model is not retrained');
    const strip = ({ seconds: _s, trainSeconds: _t, artifacts, ...r }: typeof whole.result) => ({ ...r, artifacts: artifacts.map(({ trainSeconds: _a, ...a }) => a) });
    assert.deepEqual(strip(resumed.result), strip(whole.result));
    assert.deepEqual(readFileSync(join(parts, 'decoy-model.onnx')), readFileSync(join(dir, 'whole', 'decoy-model.onnx')), 'the same decoy model, byte for byte');
    assert.ok(!existsSync(join(parts, 'checkpoints')));
    assert.equal(openSessionCount(), sessions, 'no sessions left, also after the interruption');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
