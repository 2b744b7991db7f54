/**
 * Ranking units: the merge sort of rankDescending / rankAscending gives exactly the order of
 * sorting the indices with the comparator (score, then index), ties included.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../random.js';
import { rankAscending, rankDescending } from './features.js';

const byComparator = (s: ArrayLike<number>, sign: number) =>
  Int32Array.from({ length: s.length }, (_, i) => i).sort((a, b) => sign * (s[a] - s[b]) || a - b);

test('rankDescending and rankAscending order by score, ties by index, as the comparator sort', () => {
  const rng = new Rng(5);
  for (const n of [0, 1, 2, 3, 7, 64, 784, 1000]) {
    // many ties (values rounded to a few levels), both zeros, huge magnitudes
    const s = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 3) / 2);
    if (n > 5) (s[1] = -0), (s[2] = 0), (s[3] = 1e300), (s[4] = -1e300);
    assert.deepEqual(rankDescending(s), byComparator(s, -1), `descending, ${n} scores`);
    assert.deepEqual(rankAscending(s), byComparator(s, 1), `ascending, ${n} scores`);
    const distinct = Float64Array.from(rng.fillNormal(new Float32Array(n)));
    const d = rankDescending(distinct);
    for (let i = 1; i < n; i++) assert.ok(distinct[d[i - 1]] > distinct[d[i]]);
  }
  // ties keep index order; a non-finite score falls back to the comparator sort
  assert.deepEqual([...rankDescending([1, 3, 3, 2, 3])], [1, 2, 4, 3, 0]);
  assert.deepEqual([...rankAscending([1, 3, 3, 2, 3])], [0, 3, 1, 2, 4]);
  assert.deepEqual([...rankDescending([1, Infinity, 2])], [...byComparator([1, Infinity, 2], -1)]);
});
