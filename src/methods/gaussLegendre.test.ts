/**
 * The O(n) Gauss-Legendre sweep against the recurrence rule it replaces for large n, and
 * its cost: 16k nodes (what --steps auto can reach) must not delay the first model call.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { legendreGauss, legendreGaussByRecurrence } from './gaussLegendre.js';

function maxErrors(n: number): { nodes: number; weights: number } {
  const a = legendreGauss(n);
  const b = legendreGaussByRecurrence(n);
  let nodes = 0;
  let weights = 0;
  for (let i = 0; i < n; i++) {
    nodes = Math.max(nodes, Math.abs(a.nodes[i] - b.nodes[i]));
    weights = Math.max(weights, Math.abs(a.weights[i] - b.weights[i]) / b.weights[i]);
  }
  return { nodes, weights };
}

test('small n is the recurrence rule exactly; large n agrees with it to 1e-12', () => {
  for (const n of [2, 7, 64, 127]) assert.deepEqual(legendreGauss(n), legendreGaussByRecurrence(n), `n=${n}`);
  for (const n of [128, 129, 257, 1000, 2001]) {
    const e = maxErrors(n);
    assert.ok(e.nodes < 1e-14, `n=${n}: nodes differ by ${e.nodes}`);
    assert.ok(e.weights < 1e-12, `n=${n}: weights differ by ${e.weights} (relative)`);
  }
});

test('16384 nodes: ascending, symmetric, exact for polynomials, in well under a second', () => {
  const n = 16384;
  const t0 = performance.now();
  const { nodes, weights } = legendreGauss(n);
  const ms = performance.now() - t0;
  assert.ok(ms < 250, `16k Gauss-Legendre nodes took ${ms.toFixed(0)} ms`);
  for (let i = 1; i < n; i++) assert.ok(nodes[i] > nodes[i - 1]);
  assert.equal(nodes[0], -nodes[n - 1]);
  for (const deg of [0, 2, 10, 40]) {
    const integral = nodes.reduce((s, x, i) => s + weights[i] * x ** deg, 0);
    assert.ok(Math.abs(integral - 2 / (deg + 1)) < 1e-12, `degree ${deg}: ${integral}`);
  }
  // a smooth non-polynomial: ∫ cos(20 x) over [-1, 1] = sin(20) / 10
  const c = nodes.reduce((s, x, i) => s + weights[i] * Math.cos(20 * x), 0);
  assert.ok(Math.abs(c - Math.sin(20) / 10) < 1e-12, `cos integral ${c}`);
});
