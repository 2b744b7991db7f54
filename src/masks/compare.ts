/**
 * Comparing two label maps over the same positions: equality up to relabelling, and
 * the adjusted Rand index (Hubert & Arabie 1985; 1 = the same partition, ~0 = chance),
 * as sklearn.metrics.adjusted_rand_score computes it.
 */
import type { FeatureMask } from './featureMask.js';

export function sameLabelling(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = ab.get(a[i]);
    const y = ba.get(b[i]);
    if (x === undefined && y === undefined) {
      ab.set(a[i], b[i]);
      ba.set(b[i], a[i]);
    } else if (x !== b[i] || y !== a[i]) return false;
  }
  return true;
}

export function adjustedRandIndex(a: ArrayLike<number> | FeatureMask, b: ArrayLike<number> | FeatureMask): number {
  const la = 'labels' in a ? a.labels : a;
  const lb = 'labels' in b ? b.labels : b;
  if (la.length !== lb.length) throw new Error(`label maps of ${la.length} and ${lb.length} positions cannot be compared`);
  const n = la.length;
  const pairs = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${la[i]},${lb[i]}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    rows.set(la[i], (rows.get(la[i]) ?? 0) + 1);
    cols.set(lb[i], (cols.get(lb[i]) ?? 0) + 1);
  }
  const c2 = (m: number) => (m * (m - 1)) / 2;
  let index = 0;
  for (const m of pairs.values()) index += c2(m);
  let sa = 0;
  for (const m of rows.values()) sa += c2(m);
  let sb = 0;
  for (const m of cols.values()) sb += c2(m);
  const expected = (sa * sb) / c2(n);
  const max = (sa + sb) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}
