/**
 * LRP agreement with Zennit 0.5.1 (composites EpsilonPlus, EpsilonGammaBox, EpsilonAlpha2Beta1,
 * EpsilonPlusFlat with its SequentialMergeBatchNorm canonizer) and with Captum v0.8.0's LRP
 * (default rules: epsilon 1e-9 everywhere) on small CNNs without and with BatchNorm and with
 * a residual block, within 1e-4 relative L2. Fixtures: scripts/make_propagation_fixtures.py.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnxModel } from '../../engine/onnx.js';
import { readNpy } from '../../io/npy.js';
import { relativeL2 } from '../testing.js';
import { lrp } from './lrp.js';
import { COMPOSITES } from './composites.js';

const DIR = new URL('../../../fixtures/propagation/', import.meta.url).pathname;
const npy = (file: string) => readNpy(join(DIR, file)).data as Float32Array;
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
  targets: number[];
  lrp: Record<string, { delta: Record<string, number[]>; captumDelta?: number[]; captumGammaEpsilonDelta?: number[] }>;
};

for (const [name, entry] of Object.entries(manifest.lrp)) {
  test(`${name}: every composite agrees with Zennit (1e-4 relative L2), conservation errors too`, async () => {
    const model = await loadOnnxModel(join(DIR, `${name}.onnx`), { threads: 1 });
    try {
      const x = npy(`${name}.input.npy`);
      const target = manifest.targets;
      for (const composite of COMPOSITES) {
        const r = await lrp(model, x, { target, composite, low: 0, high: 1 });
        const err = relativeL2(r.values, npy(`${name}.zennit_${composite}.npy`));
        const zd = entry.delta[composite];
        console.log(`# ${name} ${composite}: ${err.toExponential(2)} relative L2 vs Zennit; delta ${Array.from(r.delta, (d) => d.toFixed(5))} (Zennit ${zd.map((d) => d.toFixed(5))})`);
        assert.ok(err < 1e-4, `${name} ${composite}: ${err}`);
        zd.forEach((d, e) => assert.ok(Math.abs(r.delta[e] - d) < 1e-4 * Math.max(1, Math.abs(d)), `delta ${e}: ${r.delta[e]} vs ${d}`));
      }
      if (name === 'lrp_vgg_bn') {
        // without folding, BatchNorm passes relevance unchanged: a different attribution
        const raw = await lrp(model, x, { target, composite: 'epsilon-plus', canonize: false });
        assert.ok(relativeL2(raw.values, npy(`${name}.zennit_epsilon-plus.npy`)) > 1e-3);
      }
      if (entry.captumDelta) {
        const r = await lrp(model, x, { target, rule: 'epsilon:1e-9', stabilizer: 1e-9 });
        const err = relativeL2(r.values, npy(`${name}.captum_epsilon.npy`));
        console.log(`# ${name} Captum LRP (epsilon 1e-9): ${err.toExponential(2)} relative L2`);
        assert.ok(err < 1e-4, `captum: ${err}`);
        // Captum's delta is f(x) - sum(R): the opposite sign of ours
        entry.captumDelta.forEach((d, e) => assert.ok(Math.abs(r.delta[e] + d) < 1e-4 * Math.max(1, Math.abs(d)), `captum delta ${e}`));
        // Captum's layer rules: GammaRule (the original gamma) on Convs, EpsilonRule(0.25) on Linears
        const g = await lrp(model, x, { target, rule: 'epsilon:0.25', stabilizer: 1e-9, nodes: [{ match: { opTypes: ['Conv'] }, rule: 'gamma-original:0.25' }] });
        const gerr = relativeL2(g.values, npy(`${name}.captum_gamma_epsilon.npy`));
        console.log(`# ${name} Captum LRP (GammaRule 0.25 / EpsilonRule 0.25): ${gerr.toExponential(2)} relative L2`);
        assert.ok(gerr < 1e-4, `captum gamma/epsilon: ${gerr}`);
        entry.captumGammaEpsilonDelta!.forEach((d, e) => assert.ok(Math.abs(g.delta[e] + d) < 1e-4 * Math.max(1, Math.abs(d)), `captum gamma delta ${e}`));
        // Zennit's generalised gamma is another rule
        const zg = await lrp(model, x, { target, rule: 'epsilon:0.25', stabilizer: 1e-9, nodes: [{ match: { opTypes: ['Conv'] }, rule: 'gamma:0.25' }] });
        assert.ok(relativeL2(zg.values, g.values) > 1e-3);
      }
    } finally {
      await model.dispose();
    }
  });
}

test('user mappings (op type, node name, predicate) rebuild the composites, checked against Zennit', async () => {
  const name = 'lrp_vgg';
  const model = await loadOnnxModel(join(DIR, `${name}.onnx`), { threads: 1 });
  try {
    const x = npy(`${name}.input.npy`);
    const target = manifest.targets;
    // epsilon everywhere, then z+ on every Conv by op type: epsilon-plus
    const byOp = await lrp(model, x, { target, rule: 'epsilon:1e-6', nodes: [{ match: { opTypes: ['Conv'] }, rule: 'zplus' }] });
    assert.ok(relativeL2(byOp.values, npy(`${name}.zennit_epsilon-plus.npy`)) < 1e-4);
    // epsilon-plus with flat on the first Conv, by its node name: epsilon-plus-flat
    const byName = await lrp(model, x, { target, composite: 'epsilon-plus', nodes: [{ match: { names: ['/features/features.0/Conv'] }, rule: 'flat' }] });
    assert.ok(relativeL2(byName.values, npy(`${name}.zennit_epsilon-plus-flat.npy`)) < 1e-4);
    // a predicate: the Conv reading the graph input gets z-box
    const byPredicate = await lrp(model, x, {
      target,
      composite: 'epsilon-plus',
      gamma: 0.25,
      rule: 'gamma',
      nodes: [{ match: { when: (node, graph) => node.opType === 'Conv' && node.inputs[0] === graph.inputs[0].name }, rule: 'zbox:0,1' }],
    });
    const gemms = await lrp(model, x, { target, rule: 'epsilon:1e-6', nodes: [{ match: { opTypes: ['Conv'], first: true }, rule: 'zbox:0,1' }, { match: { opTypes: ['Conv'] }, rule: 'gamma:0.25' }] });
    assert.ok(relativeL2(gemms.values, npy(`${name}.zennit_epsilon-gamma-box.npy`)) < 1e-4);
    // (rule 'gamma' on the Gemms too differs from the composite, which keeps epsilon there)
    assert.ok(relativeL2(byPredicate.values, gemms.values) > 1e-3);
  } finally {
    await model.dispose();
  }
});
