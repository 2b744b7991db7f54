/**
 * First contact (issue 9): what a new user hits with their own model, files and machine,
 * as spawned `saliency` processes (src/cli/main.ts through tsx, as cli.test.ts does).
 * One test (or a few) per class of the issue; each fails on the code before the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOnnx, saveOnnx } from '../graph/onnx.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const FASHION = join(ROOT, 'models/fashion-mnist/model.onnx');
const COAT = join(ROOT, 'models/fashion-mnist/images/04-coat.png');
const VIT = join(ROOT, 'fixtures/vit/tiny_vit.onnx');
const VIT_INPUT = join(ROOT, 'fixtures/vit/tiny_vit.input.npy');

const work = mkdtempSync(join(tmpdir(), 'saliency-firstcontact-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function saliency(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Ran {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('2. false refusals: a ViT (Where on shapes only) explains; an op on the gradient path is refused by node name', () => {
  const out = join(work, 'vit');
  const ok = saliency(['explain', '--model', VIT, '--input', VIT_INPUT, '--method', 'gradient', '--out', out, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(existsSync(join(out, 'explain.json')));
  // the first GELU's Erf replaced by a one-input Max (no backward rule): on the path, refused
  const g = loadOnnx(VIT);
  const erf = g.nodes.find((n) => n.opType === 'Erf')!;
  erf.opType = 'Max';
  const broken = join(work, 'vit-max.onnx');
  writeFileSync(broken, saveOnnx(g));
  const bad = saliency(['explain', '--model', broken, '--input', VIT_INPUT, '--method', 'gradient', '--out', join(work, 'vit-max')]);
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /no backward rule for op 'Max'/);
  assert.ok(bad.stderr.includes(`'${erf.name}'`), `the node is named: ${bad.stderr}`);
  assert.doesNotMatch(bad.stderr, /Where/);
});
