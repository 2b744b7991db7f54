import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, wasmDirectory } from './backend.js';

test('the wasm binaries are read from the installed package (nothing is downloaded)', () => {
  assert.ok(existsSync(join(wasmDirectory(), 'tfjs-backend-wasm-simd.wasm')));
});

test('backends switch both ways; unknown names are refused', async () => {
  await useBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  await useBackend('cpu');
  assert.equal(tf.getBackend(), 'cpu');
  await useBackend('wasm');
  assert.equal(tf.getBackend(), 'wasm');
  await assert.rejects(useBackend('webgl' as 'cpu'), /unknown tfjs backend 'webgl'/);
});

test('initialising wasm leaves no emscripten process handlers and prints nothing', () => {
  const here = new URL('./backend.ts', import.meta.url).pathname;
  const script = `
    const { useBackend } = await import(${JSON.stringify(here)});
    const count = () => process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;
    const before = count();
    await useBackend('wasm');
    await useBackend('cpu');
    const tf = await import('@tensorflow/tfjs-core');
    tf.tensor([1, 2]).dispose(); // the cpu backend's first write (where it advertises tfjs-node)
    console.log(JSON.stringify({ added: count() - before }));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout.trim()), { added: 0 });
  assert.equal(run.stderr, '', 'something was printed (the cpu backend\'s tfjs-node notice?)');
});
