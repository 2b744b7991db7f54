/**
 * Entry points: importing 'saliency-lab' (src/index.ts) does not load TensorFlow.js
 * (~0.4 s); 'saliency-lab/tfjs' (src/tfjs.ts) does. Checked in fresh node processes by
 * the CommonJS modules loaded (tfjs-core's Node build is CommonJS).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('./', import.meta.url));

function tensorflowModulesAfterImporting(entry: string): { loaded: number; exports: number } {
  const script = `
    import { createRequire } from 'node:module';
    const m = await import(${JSON.stringify(SRC + entry)});
    const cache = createRequire(import.meta.url).cache;
    const loaded = Object.keys(cache).filter((k) => k.includes('@tensorflow')).length;
    console.log(JSON.stringify({ loaded, exports: Object.keys(m).length }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { loaded: number; exports: number };
}

test("importing 'saliency-lab' does not load TensorFlow.js; 'saliency-lab/tfjs' does", () => {
  const core = tensorflowModulesAfterImporting('index.ts');
  assert.ok(core.exports > 50, `the core exports the library (${core.exports} names)`);
  assert.equal(core.loaded, 0, 'no @tensorflow module loaded by the core entry point');
  const tfjs = tensorflowModulesAfterImporting('tfjs.ts');
  assert.ok(tfjs.loaded > 0, 'the tfjs entry point loads TensorFlow.js (so the check above can fail)');
});
