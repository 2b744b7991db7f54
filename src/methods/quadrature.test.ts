/**
 * Quadrature rules against the alphas and step sizes Captum v0.8.0 computes
 * (fixtures/captum/quadrature.json, written by scripts/make_captum_fixtures.py).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { QUADRATURES, legendreGauss, quadrature, torchLinspace } from './quadrature.js';

const FIXTURE = new URL('../../fixtures/captum/quadrature.json', import.meta.url);
const captum = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Record<string, { alphas: number[]; weights: number[] }>>;

test('Riemann alphas equal Captum (torch.linspace in float32) bit for bit, weights exactly', () => {
  for (const method of QUADRATURES.filter((m) => m !== 'gausslegendre')) {
    for (const [n, ref] of Object.entries(captum[method])) {
      const q = quadrature(method, Number(n));
      assert.deepEqual(q.alphas, ref.alphas, `${method} n=${n} alphas`);
      assert.deepEqual(q.weights, ref.weights, `${method} n=${n} weights`);
    }
  }
});

test('Gauss-Legendre nodes and weights equal numpy leggauss (as Captum maps them) to 1e-13', () => {
  for (const [n, ref] of Object.entries(captum['gausslegendre'])) {
    const q = quadrature('gausslegendre', Number(n));
    for (let i = 0; i < ref.alphas.length; i++) {
      assert.ok(Math.abs(q.alphas[i] - ref.alphas[i]) < 1e-13, `n=${n} alpha ${i}: ${q.alphas[i]} vs ${ref.alphas[i]}`);
      assert.ok(Math.abs(q.weights[i] - ref.weights[i]) < 1e-13, `n=${n} weight ${i}: ${q.weights[i]} vs ${ref.weights[i]}`);
    }
  }
});

test('weights sum to 1 (Captum riemann_trapezoid: (n-1)/n), Gauss-Legendre exact to degree 2n-1', () => {
  for (const method of [...QUADRATURES, 'trapezoid' as const]) {
    const { weights } = quadrature(method, 10);
    const expected = method === 'riemann_trapezoid' ? 0.9 : 1;
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - expected) < 1e-12, method);
  }
  // the textbook trapezoid integrates a straight line exactly
  const t = quadrature('trapezoid', 7);
  assert.ok(Math.abs(t.alphas.reduce((s, a, i) => s + t.weights[i] * (3 * a + 1), 0) - 2.5) < 1e-7);
  const { alphas, weights } = quadrature('gausslegendre', 5);
  for (let deg = 0; deg <= 9; deg++) {
    const integral = alphas.reduce((s, a, i) => s + weights[i] * a ** deg, 0);
    assert.ok(Math.abs(integral - 1 / (deg + 1)) < 1e-14, `degree ${deg}`);
  }
  const legendre = legendreGauss(1);
  assert.deepEqual(legendre, { nodes: [0], weights: [2] });
});

test('linspace endpoints and bad step counts', () => {
  const l = torchLinspace(0, 1, 1001);
  assert.equal(l[0], 0);
  assert.equal(l[1000], 1);
  assert.throws(() => quadrature('riemann_left', 1), /at least 2 steps/);
  assert.throws(() => quadrature('gausslegendre', 0), /positive integer/);
  assert.throws(() => quadrature('simpson' as never, 4), /unknown quadrature/);
});
