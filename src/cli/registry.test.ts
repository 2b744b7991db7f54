/**
 * A method is one descriptor plus one registry line: a test-only descriptor registered
 * at run time shows up in `saliency methods --json` with its options and defaults, gets
 * its own flag, and runs from `saliency explain` and `saliency compare` (a report column),
 * in process, through main().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineMethod } from '../methods/descriptor.js';
import { registerMethod } from '../methods/registry.js';
import { readNpy } from '../io/npy.js';
import { main } from './main.js';
import { methodFlags } from './flags.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = join(ROOT, 'models/fashion-mnist/model.onnx');
const COAT = join(ROOT, 'models/fashion-mnist/images/04-coat.png');

const fake = defineMethod({
  name: 'fakeconstant',
  aliases: ['fake-constant'],
  title: 'Fake constant',
  family: 'perturbation',
  summary: 'a test method: every attribution is --fill-value (times the seed + 1)',
  needs: { gradients: false },
  options: {
    fillValue: { kind: 'number', default: 2, min: 0, description: 'the value of every attribution' },
    // an option named like a verb flag gets --fakeconstant-method
    method: { kind: 'choice', choices: ['plain', 'fancy'], default: 'plain', description: 'how (ignored)' },
  },
  random: false,
  cost: (n) => n,
  run: async (model, input, o, c) => ({
    values: new Float32Array(input.length).fill(o.fillValue * (c.seed + 1)),
    shape: [input.length / 784, ...model.inputShape],
    method: 'fakeConstant',
    params: { fillValue: o.fillValue },
    target: 'any',
    timings: { totalMs: 0, modelMs: 0, modelCalls: 0, forwardExamples: 0, backwardExamples: 0 },
  }),
});

/** main() with stdout captured. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let stdout = '';
  // main prints strings; the test runner's own reports (binary) pass through
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (typeof chunk !== 'string') return write(chunk, ...rest);
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await main(argv), stdout };
  } finally {
    process.stdout.write = write;
  }
}

test('a registered descriptor appears in `saliency methods --json` and runs from explain with its own flag', async () => {
  const remove = registerMethod(fake);
  const work = mkdtempSync(join(tmpdir(), 'saliency-registry-'));
  try {
    const listed = await run('methods', '--json');
    assert.equal(listed.code, 0);
    const c = JSON.parse(listed.stdout) as { methods: Array<{ name: string; family: string; options: Array<{ flag: string; default: unknown }>; defaults: Record<string, unknown>; summary: string }>; metrics: unknown[] };
    assert.ok(Array.isArray(c.metrics));
    const entry = c.methods.find((m) => m.name === 'fakeconstant')!;
    assert.equal(entry.family, 'perturbation');
    assert.deepEqual(entry.options.map((o) => [o.flag, o.default]), [['--fill-value', 2], ['--fakeconstant-method', 'plain']]);
    assert.deepEqual(entry.defaults, { fillValue: 2, method: 'plain' });
    assert.ok(c.methods.some((m) => m.name === 'ig' && m.options.some((o) => o.flag === '--quadrature')));

    const out = join(work, 'out');
    const r = await run('explain', '--model', MODEL, '--image', COAT, '--method', 'Fake-Constant', '--fill-value', '3', '--fakeconstant-method', 'fancy', '--seed', '1', '--out', out, '--json');
    assert.equal(r.code, 0);
    const rec = JSON.parse(r.stdout) as { runs: Array<{ id: string; title: string; options: Record<string, unknown> }> };
    assert.deepEqual(rec.runs.map((x) => [x.id, x.title, x.options['fillValue'], x.options['method']]), [['fakeconstant', 'Fake constant', 3, 'fancy']]);
    const phi = readNpy(join(out, '04-coat.fakeconstant.npy')).data as Float32Array;
    assert.ok(phi.every((v) => v === 6), 'the descriptor ran with --fill-value 3 and seed 1');
    assert.ok(JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8')).runs.length === 1);

    // compare: a column of its own in the grid and the report
    const cmp = join(work, 'compare');
    const c2 = await run('compare', '--model', MODEL, '--image', COAT, '--methods', 'fakeconstant,gradient', '--paths', '0', '--out', cmp, '--json');
    assert.equal(c2.code, 0);
    assert.deepEqual((JSON.parse(c2.stdout) as { runs: Array<{ id: string }> }).runs.map((x) => x.id), ['fakeconstant', 'gradient']);
    assert.match(readFileSync(join(cmp, 'report.html'), 'utf8'), /Fake constant/);

    // a value out of range is a usage error naming the flag
    assert.equal((await run('explain', '--model', MODEL, '--image', COAT, '--method', 'fakeconstant', '--fill-value', '-1', '--out', join(work, 'bad'))).code, 2);
  } finally {
    remove();
    rmSync(work, { recursive: true, force: true });
  }
});

test('method flags: one per option name, the verbs\' own flags left alone', () => {
  const flags = methodFlags();
  const samples = flags.get('samples')!.map((u) => u.method);
  for (const m of ['expectedgradients', 'ig', 'smoothgrad']) assert.ok(samples.includes(m), m);
  assert.equal(new Set(samples).size, samples.length);
  assert.ok(flags.has('quadrature') && flags.has('max-steps') && flags.has('noise'));
  for (const verb of ['method', 'model', 'seed', 'size']) assert.ok(!flags.has(verb), verb);
});
