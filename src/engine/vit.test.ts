/**
 * A tiny torchvision Vision Transformer (fixtures/vit, scripts/make_vit_fixture.py): its
 * graph holds ops without a backward rule (Where, Equal, ... computing shapes), none of
 * them on the gradient path, so the model is not refused, and its input gradient matches
 * PyTorch autograd. The check names the nodes it refuses, and only those on the path.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadOnnxModel, openSessionCount } from './onnx.js';
import { readNpy } from '../io/npy.js';
import { relativeL2 } from './numeric.js';
import { ruleSet } from '../graph/rules/index.js';
import { missingBackwardRules } from '../graph/gradientPath.js';
import { inferShapes } from '../graph/shapes.js';

const DIR = new URL('../../fixtures/vit/', import.meta.url).pathname;
const npy = (what: string) => readNpy(join(DIR, `tiny_vit.${what}.npy`)).data as Float32Array;

test('tiny ViT: ops without rules off the gradient path are not refused; gradient matches PyTorch', async () => {
  const sessions = openSessionCount();
  const model = await loadOnnxModel(join(DIR, 'tiny_vit.onnx'));
  try {
    const rules = ruleSet('gradient');
    const ruleless = [...new Set(model.graph.nodes.map((n) => n.opType))].filter((op) => !rules[op] && op !== 'Shape' && op !== 'Constant');
    assert.ok(ruleless.includes('Where'), `the fixture should hold a Where (shape computation); ruleless ops: ${ruleless.join(', ')}`);
    const info = model.inspect();
    assert.deepEqual(info.opsWithoutGradient, []);
    assert.deepEqual(info.nodesWithoutGradient, []);
    const r = await model.run(npy('input'), { outputs: ['logits'], gradients: { seed: npy('seed'), wrt: ['input'] } });
    const logits = relativeL2(r['logits'], npy('logits'));
    const grad = relativeL2(r['grad:input'], npy('grad_input'));
    assert.ok(logits < 1e-5, `logits: relative L2 ${logits}`);
    assert.ok(grad < 1e-4, `input gradient: relative L2 ${grad}`);
  } finally {
    await model.dispose();
  }
  assert.equal(openSessionCount(), sessions);
});

test('missingBackwardRules names the nodes on the path, and only those', async () => {
  const model = await loadOnnxModel(join(DIR, 'tiny_vit.onnx'));
  try {
    const g = model.graph;
    const info = inferShapes(g, { [g.inputs[0].name]: [1, 3, 32, 32] });
    const request = (drop: string) => {
      const rules = { ...ruleSet('gradient') };
      delete rules[drop];
      return { seeds: [g.outputs[0].name], wrt: [g.inputs[0].name], rules };
    };
    // Erf (GELU in each MLP block) is on the path: every Erf node is named
    const erf = missingBackwardRules(g, info, request('Erf'));
    const erfNodes = g.nodes.filter((n) => n.opType === 'Erf').map((n) => n.name);
    assert.ok(erfNodes.length >= 2);
    assert.deepEqual(erf, erfNodes.map((node) => ({ node, opType: 'Erf' })));
    // Gather picks the class token on the path; Gathers on shapes are off it
    const gathers = missingBackwardRules(g, info, request('Gather'));
    assert.ok(gathers.length >= 1 && gathers.length < g.nodes.filter((n) => n.opType === 'Gather').length, JSON.stringify(gathers));
  } finally {
    await model.dispose();
  }
});
