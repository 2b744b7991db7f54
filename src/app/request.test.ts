import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadInputError, UsageError } from './errors.js';
import { baselineId, parseBaseline } from '../baselines/spec.js';
import { parseMethod } from '../methods/registry.js';
import { planRuns } from './plan.js';
import { parseSteps, parseTarget, resolveTargetClasses, splitList } from './request.js';

test('methods: names, aliases, comma lists', () => {
  assert.deepEqual(splitList(['ig,gradient', ' smoothgrad ']).map(parseMethod), ['ig', 'gradient', 'smoothgrad']);
  assert.equal(parseMethod('Integrated-Gradients'), 'ig');
  assert.equal(parseMethod('input_x_gradient'), 'inputxgradient');
  assert.equal(parseMethod('EG'), 'expectedgradients');
  assert.throws(() => parseMethod('nosuchmethod'), UsageError);
});

test('baselines: kinds, parameters, defaults, errors', () => {
  assert.deepEqual(parseBaseline('black'), { kind: 'black', text: 'black' });
  assert.equal(parseBaseline('blur').sigma, 5);
  assert.equal(parseBaseline('blur:sigma=2.5').sigma, 2.5);
  assert.equal(parseBaseline('blur:3').sigma, 3);
  assert.equal(parseBaseline('gaussian').sigma, 0.1);
  assert.equal(parseBaseline('max-distance').kind, 'maxdistance');
  const d = parseBaseline('dataset:/data/train-images-idx3-ubyte.gz:limit=200');
  assert.deepEqual([d.kind, d.source, d.limit], ['dataset', '/data/train-images-idx3-ubyte.gz', 200]);
  assert.equal(parseBaseline('dataset:imgs').limit, 1000);
  assert.equal(baselineId(parseBaseline('gaussian:sigma=0.2')), 'gaussian-sigma0.2');
  for (const bad of ['sepia', 'blur:sigma=0', 'blur:sigma=x', 'black:sigma=1', 'dataset:', 'uniform:2']) assert.throws(() => parseBaseline(bad), UsageError, bad);
});

test('steps and targets', () => {
  assert.deepEqual(parseSteps(undefined), { steps: 64, auto: false });
  assert.deepEqual(parseSteps('auto'), { steps: 16, auto: true });
  assert.throws(() => parseSteps('0'), UsageError);
  assert.deepEqual(parseTarget('top1'), { kind: 'top1' });
  assert.deepEqual(parseTarget('7'), { kind: 'class', class: 7 });
  assert.throws(() => parseTarget('cat'), UsageError);
  assert.throws(() => parseTarget('missing.json'), BadInputError);
  assert.deepEqual(resolveTargetClasses({ kind: 'top1' }, 2, 10, [3, 4]), [3, 4]);
  assert.deepEqual(resolveTargetClasses({ kind: 'class', class: 2 }, 2, 10, [3, 4]), [2, 2]);
  assert.throws(() => resolveTargetClasses({ kind: 'class', class: 10 }, 1, 10, [0]), /target class 10 is out of range: the model has 10 outputs/);
  assert.throws(() => resolveTargetClasses({ kind: 'list', classes: [1, 2, 3], source: 't.json' }, 2, 10, [0, 0]), /3 classes for 2 input/);
});

test('runs: methods without a baseline run once; duplicates collapse', () => {
  const plans = planRuns(['gradient', 'ig', 'ig'], [parseBaseline('black'), parseBaseline('blur:sigma=2')]);
  assert.deepEqual(plans.map((p) => p.id), ['gradient', 'ig-black', 'ig-blur-sigma2']);
  assert.equal(plans[2].subtitle, 'blur σ=2');
});

test('a bare .npy baseline is a dataset of model inputs, its text as written', () => {
  const b = parseBaseline('inputs/train.npy');
  assert.deepEqual([b.kind, b.source, b.limit, b.text], ['dataset', 'inputs/train.npy', 1000, 'inputs/train.npy']);
  assert.equal(parseBaseline('dataset:x.npy:limit=5').limit, 5);
});
