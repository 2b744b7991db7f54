/**
 * `saliency roar` and `saliency decoy` check their number flags before any work: a value
 * that is not a whole number (or is out of range) is a usage error, exit code 2, naming the flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nonNegativeInteger, positiveInteger } from './flags.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('positiveInteger and nonNegativeInteger: whole numbers pass, anything else is a usage error', () => {
  assert.equal(positiveInteger('epochs', '3'), 3);
  assert.equal(positiveInteger('epochs', undefined), undefined);
  for (const bad of ['abc', '0', '-2', '1.5', '3x', '']) assert.throws(() => positiveInteger('epochs', bad), { name: 'UsageError', message: `--epochs must be a positive integer, got '${bad}'` });
  assert.equal(nonNegativeInteger('spurious-class', '0'), 0);
  assert.equal(nonNegativeInteger('spurious-class', '7'), 7);
  for (const bad of ['shirt', '-1', '2.5', '', ' ']) assert.throws(() => nonNegativeInteger('spurious-class', bad), { name: 'UsageError', message: `--spurious-class must be a whole number >= 0, got '${bad}'` });
});

test('roar and decoy: a bad number flag exits 2 naming it, before anything is written', () => {
  const work = mkdtempSync(join(tmpdir(), 'saliency-training-verbs-'));
  try {
    const cases: Array<[string[], RegExp]> = [
      [['roar', '--epochs', 'two'], /--epochs must be a positive integer, got 'two'/],
      [['roar', '--repeats', '0'], /--repeats must be a positive integer, got '0'/],
      [['decoy', '--train-images', '1e2.5'], /--train-images must be a positive integer, got '1e2.5'/],
      [['decoy', '--spurious-class', 'shirt'], /--spurious-class must be a whole number >= 0, got 'shirt'/],
    ];
    for (const [args, message] of cases) {
      const out = join(work, args[0]);
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args, '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.ok(!existsSync(out), `${args.join(' ')}: nothing written`);
    }
    assert.deepEqual(readdirSync(work), []);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
