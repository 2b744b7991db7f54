/**
 * The method registry: names and aliases, catalogue order, options parsed from flag
 * texts with errors naming the flag, range and a fix; and the one-place defaults: each
 * method run through its descriptor with the registry's defaults (what the CLI does
 * without flags) gives the same numbers and params as the library function called with
 * no options. If a library default and a descriptor default diverge, this fails.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../errors.js';
import { FAMILY_ORDER, defineMethod, type OptionSchema } from './descriptor.js';
import { expectedGradients } from './expectedGradients.js';
import { gradient } from './gradient.js';
import { inputXGradient } from './inputXGradient.js';
import { integratedGradients } from './integratedGradients.js';
import { checkOptionValue, flagName, parseOptionText } from './options.js';
import { findMethod, getMethod, listMethods, methodCost, methodOptions, parseMethod, registerMethod } from './registry.js';
import { smoothGrad } from './smooth.js';
import { linearFunction, load, pseudoRandom, smallCnnOnnx } from './testing.js';
import type { Attribution } from './attribution.js';

test('names and aliases, ignoring case, dashes, underscores and spaces', () => {
  assert.equal(parseMethod('Integrated-Gradients'), 'ig');
  assert.equal(parseMethod('input_x_gradient'), 'inputxgradient');
  assert.equal(parseMethod('Input X Gradient'), 'inputxgradient');
  assert.equal(parseMethod('EG'), 'expectedgradients');
  assert.equal(findMethod('nosuchmethod'), undefined);
  assert.throws(() => getMethod('nosuchmethod'), (e: Error) => e instanceof UsageError && /unknown method 'nosuchmethod' \(known: ig, gradient, inputxgradient, smoothgrad, .*expectedgradients/.test(e.message));
});

test('catalogue order: families in FAMILY_ORDER, then order, then name; names unique', () => {
  const list = listMethods();
  assert.deepEqual(
    list.filter((d) => ['gradient', 'inputxgradient', 'smoothgrad', 'ig', 'expectedgradients'].includes(d.name)).map((d) => d.name),
    ['gradient', 'inputxgradient', 'smoothgrad', 'ig', 'expectedgradients'],
  );
  for (let i = 1; i < list.length; i++) {
    const [a, b] = [list[i - 1], list[i]];
    const fa = FAMILY_ORDER.indexOf(a.family);
    const fb = FAMILY_ORDER.indexOf(b.family);
    assert.ok(fa < fb || (fa === fb && ((a.order ?? 100) < (b.order ?? 100) || ((a.order ?? 100) === (b.order ?? 100) && a.name < b.name))), `${a.name} before ${b.name}`);
  }
  assert.equal(new Set(list.map((d) => d.name)).size, list.length);
});

test('every descriptor: a one-word name, a summary, defaults that pass its own schema, a cost', () => {
  for (const d of listMethods()) {
    assert.match(d.name, /^[a-z0-9]+$/, `${d.name}: one lowercase word`);
    assert.ok(d.summary.length > 10 && d.title.length > 0);
    const defaults = methodOptions(d);
    for (const [key, spec] of Object.entries(d.options as OptionSchema)) {
      assert.deepEqual(checkOptionValue(key, spec, defaults[key], d.name), spec.default, `${d.name}.${key}`);
      // what --help shows must parse back to the default
      if (spec.kind !== 'string') assert.deepEqual(parseOptionText(key, spec, String(spec.default), d.name), spec.default, `${d.name} --${flagName(key, spec)} ${String(spec.default)}`);
    }
    assert.ok(methodCost(d, 3, defaults, { randomBaseline: false, inputShape: [1, 4] }) >= 3, `${d.name}: cost`);
  }
});

test('option texts: values, auto, choices and aliases; errors name the flag, range and fix', () => {
  const ig = getMethod('ig');
  assert.equal(parseOptionText('steps', ig.options.steps, '32'), 32);
  assert.equal(parseOptionText('steps', ig.options.steps, 'AUTO'), 'auto');
  assert.equal(parseOptionText('quadrature', ig.options.quadrature, 'Riemann-Trapezoid'), 'riemann_trapezoid');
  assert.equal(parseOptionText('kind', getMethod('sg').options.kind, 'sg2'), 'smoothgrad_sq');
  assert.throws(() => parseOptionText('steps', ig.options.steps, 'abc', 'ig'), /--steps must be a positive integer or 'auto', got 'abc' \(ig: 1 to 100000, default 64; e.g. --steps 64\)/);
  assert.throws(() => parseOptionText('steps', ig.options.steps, '0', 'ig'), UsageError);
  assert.throws(() => parseOptionText('quadrature', ig.options.quadrature, 'simpson'), /--quadrature must be one of riemann_left, .*gausslegendre, trapezoid, got 'simpson'/);
  assert.throws(() => parseOptionText('sigma', getMethod('smoothgrad').options.sigma, '0', 'smoothgrad'), /--noise must be a positive number, got '0'/);
  assert.throws(() => methodOptions(ig, { stpes: 3 }), /ig has no option 'stpes' \(options: steps, quadrature/);
  assert.deepEqual(methodOptions(ig, { steps: '8', quadrature: 'riemann_left' }), { ...methodOptions(ig), steps: 8, quadrature: 'riemann_left' });
  assert.throws(() => methodOptions(ig, { steps: 2.5 }), /--steps must be a positive integer/);
});

test('registerMethod: a new descriptor is found and listed; a clashing name is refused', () => {
  const fake = defineMethod({
    name: 'fakeconstant',
    aliases: ['fake-one'],
    title: 'Fake',
    family: 'perturbation',
    summary: 'a test method: every attribution is the option value',
    needs: { gradients: false },
    options: { value: { kind: 'number', default: 1, description: 'the value' } },
    random: false,
    cost: (n) => n,
    run: async () => {
      throw new Error('not run here');
    },
  });
  const remove = registerMethod(fake);
  try {
    assert.equal(getMethod('Fake_One'), fake);
    assert.ok(listMethods().includes(fake));
    assert.throws(() => registerMethod({ ...fake, name: 'other', aliases: ['ig'] }), /both claim the name 'ig'/);
  } finally {
    remove();
  }
  assert.equal(findMethod('fakeconstant'), undefined);
});

test('one place for defaults: descriptor.run with the registry defaults = the library function with none', async () => {
  const model = await load(smallCnnOnnx(), { inputRange: [0, 1] });
  try {
    const x = pseudoRandom(2 * 3 * 8 * 8, 11, 0, 1);
    const data = pseudoRandom(5 * 3 * 8 * 8, 12, 0, 1);
    const target = [1, 2];
    const via = (name: string, baseline?: Float32Array) => getMethod(name).run(model, x, methodOptions(getMethod(name)), { target, seed: 0, baseline });
    const pairs: Array<[string, Attribution, Attribution]> = [
      ['gradient', await via('gradient'), await gradient(model, x, { target })],
      ['inputxgradient', await via('inputxgradient'), await inputXGradient(model, x, { target })],
      ['ig', await via('ig'), await integratedGradients(model, x, { target })],
      ['smoothgrad', await via('smoothgrad'), await smoothGrad(model, x, { target })],
      ['expectedgradients', await via('expectedgradients', data), await expectedGradients(model, x, { target, baseline: data })],
    ];
    for (const [name, registry, library] of pairs) {
      assert.deepEqual(Array.from(registry.values), Array.from(library.values), `${name}: same numbers`);
      assert.deepEqual(registry.params, library.params, `${name}: same params`);
    }
    // and the library's recorded defaults are the descriptor's
    const [ig, sg, eg] = [pairs[2][2], pairs[3][2], pairs[4][2]];
    assert.equal(ig.params['steps'], getMethod('ig').options.steps.default);
    assert.equal(ig.params['method'], getMethod('ig').options.quadrature.default);
    assert.equal(sg.params['samples'], getMethod('smoothgrad').options.samples.default);
    assert.equal(sg.params['sigma'], getMethod('smoothgrad').options.sigma.default);
    assert.equal(eg.params['samples'], getMethod('expectedgradients').options.samples.default);
  } finally {
    await model.dispose();
  }
});

test('ig through the registry: --steps auto converges; a random baseline averages over `samples` draws', async () => {
  const model = linearFunction([[0.5, -2, 1.5, 3]], [0.3], 8);
  const ig = getMethod('ig');
  const x = Float32Array.of(1, 2, 3, 4);
  const auto = await ig.run(model, x, methodOptions(ig, { steps: 'auto', quadrature: 'riemann_trapezoid' }), { target: 0, seed: 0 });
  const c = (auto as { convergence?: { converged: boolean[]; curve: Array<{ steps: number }> } }).convergence!;
  assert.equal(c.curve[0].steps, 16, 'auto starts at AUTO_START_STEPS');
  assert.deepEqual(c.converged, [true]);
  assert.ok(Math.abs(auto.delta![0]) <= 0.05 * 13, `${auto.delta![0]}`);
  assert.equal(auto.params['method'], 'riemann_trapezoid');
  const { uniformBaseline } = await import('../baselines/uniform.js');
  const drawn = await ig.run(model, x, methodOptions(ig, { steps: 4, samples: 3 }), { target: 0, seed: 1, baseline: uniformBaseline([4], { pixelRange: [0, 1] }) });
  assert.equal(drawn.method, 'averageOverBaselines(integratedGradients)');
  assert.equal(drawn.params['samples'], 3);
});
