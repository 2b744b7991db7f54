import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionCount } from '../engine/onnx.js';
import { roar, type RoarVerbOptions } from './roar.js';

test('an interrupted ROAR run resumes from its progress file and gives the numbers of an uninterrupted run; other settings are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roar-resume-'));
  try {
    const o: RoarVerbOptions = { methods: ['gradient'], trainImages: 200, testImages: 100, epochs: 1, fractions: [0.2, 0.6], repeats: 1, seed: 3 };
    const sessions = openSessionCount();
    const whole = await roar({ ...o, out: join(dir, 'whole') });
    assert.equal(whole.points.length, 4, 'random and gradient at two fractions');
    const stop = new Error('stopped');
    let recorded = 0;
    await assert.rejects(
      roar({ ...o, out: join(dir, 'parts'), onRecorded: (count) => { recorded = count; if (count === 3) throw stop; } }),
      (e) => e === stop,
    );
    assert.equal(recorded, 3);
    const saved = JSON.parse(readFileSync(join(dir, 'parts', 'roar-progress.json'), 'utf8'));
    assert.equal(saved.done.length, 3, 'each retraining recorded as soon as it is scored');
    const retrained: string[] = [];
    const resumed = await roar({ ...o, out: join(dir, 'parts'), onProgress: (w) => { if (/repeat/.test(w)) retrained.push(w); } });
    assert.deepEqual(retrained, ['roar gradient t=0.6 repeat 1'], 'only the missing retraining is done');
    assert.deepEqual(resumed.points, whole.points);
    assert.equal(resumed.baseAccuracy, whole.baseAccuracy);
    assert.equal(openSessionCount(), sessions, 'no sessions left, also after the interruption');
    await assert.rejects(roar({ ...o, fractions: [0.2], out: join(dir, 'parts') }), /holds a ROAR run with other settings .*"fractions":\[0.2,0.6\].*this one .*"fractions":\[0.2\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
