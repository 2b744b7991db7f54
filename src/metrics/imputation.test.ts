/**
 * ROAD's imputation solvers on images large enough for the nested-dissection order to
 * matter: the solution satisfies the defining equations (each removed pixel is the weighted
 * mean of its 8 neighbours), the three solvers agree, and the
 * dissection order is a permutation of the unknowns.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../random.js';
import { relativeL2 } from '../engine/numeric.js';
import { geometry } from './features.js';
import { noisyLinearImputation } from './imputation.js';
import { gridDissection } from './sparseCholesky.js';

const H = 37, W = 45, C = 3;
const g = geometry([C, H, W]);
/** A disk, a band along the right border and 30 % of the rest at random: blobs, borders and isolated pixels. */
function removedSet(seed: number): Uint8Array {
  const rng = new Rng(seed);
  const removed = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const inDisk = (y - 15) ** 2 + (x - 20) ** 2 < 100;
    removed[y * W + x] = inDisk || x >= W - 3 || rng.float() < 0.3 ? 1 : 0;
  }
  return removed;
}

for (const solver of ['envelope', 'nested'] as const) test(`each imputed pixel is the weighted mean of its neighbours (${solver} Cholesky)`, () => {
  const removed = removedSet(1);
  const img = new Rng(2).fillUniform(new Float32Array(C * H * W), -1, 1);
  const out = img.slice();
  noisyLinearImputation(out, removed, g, 0, undefined, solver);
  let worst = 0, checked = 0;
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const p = y * W + x;
    if (!removed[p]) {
      assert.equal(out[c * H * W + p], img[c * H * W + p]);
      continue;
    }
    let s = 0, sw = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy, xx = x + dx;
      if ((dy === 0 && dx === 0) || yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
      const wt = dy === 0 || dx === 0 ? 1 / 6 : 1 / 12;
      s += wt * out[c * H * W + yy * W + xx];
      sw += wt;
    }
    worst = Math.max(worst, Math.abs(out[c * H * W + p] - s / sw));
    checked++;
  }
  assert.ok(checked > 1000, `${checked} removed values checked`);
  assert.ok(worst < 1e-6, `largest deviation from the neighbours' mean: ${worst}`);
});

test('the envelope and nested-dissection Cholesky and conjugate gradients give the same imputation', () => {
  for (const seed of [3, 4]) {
    const removed = removedSet(seed);
    const img = new Rng(seed + 10).fillNormal(new Float32Array(C * H * W));
    const [envelope, nested, cg] = (['envelope', 'nested', 'cg'] as const).map((solver) => {
      const out = img.slice();
      noisyLinearImputation(out, removed, g, 0, undefined, solver);
      return out;
    });
    for (const [name, other] of [['nested', nested], ['cg', cg]] as const) {
      const r = relativeL2(other, envelope);
      assert.ok(r < 1e-7, `${name} against envelope: relative L2 ${r}`);
    }
  }
});

test('nested dissection orders every unknown exactly once', () => {
  const removed = removedSet(5);
  const ids = new Int32Array(H * W).fill(-1);
  let m = 0;
  for (let p = 0; p < H * W; p++) if (removed[p]) ids[p] = m++;
  const order = gridDissection(ids, H, W, m);
  assert.deepEqual(Array.from(order).sort((a, b) => a - b), Array.from({ length: m }, (_, i) => i));
  assert.notDeepEqual(Array.from(order), Array.from({ length: m }, (_, i) => i), 'not the natural order');
});

test('the envelope Cholesky (rows two at a time, an odd last row alone) agrees with the nested one for 1 to 9 unknowns', () => {
  const small = geometry([1, 4, 5]);
  const img = new Rng(9).fillUniform(new Float32Array(20), -1, 1);
  for (let m = 1; m <= 9; m++) {
    const removed = new Uint8Array(20);
    for (let k = 0; k < m; k++) removed[(7 * k + 3) % 20] = 1;
    const [envelope, nested] = (['envelope', 'nested'] as const).map((solver) => {
      const out = img.slice();
      noisyLinearImputation(out, removed, small, 0, undefined, solver);
      return out;
    });
    assert.ok(relativeL2(envelope, nested) < 1e-7, `${m} unknowns: relative L2 ${relativeL2(envelope, nested)}`);
    assert.notDeepEqual(envelope, img, `${m} unknowns: something imputed`);
  }
});
