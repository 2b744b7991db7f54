/**
 * The reference's diverse root set (diverse_subset_selection.py, maximal_overlapThresh_set):
 * the largest subset of roots in which every two share at most `overlap` patches, found by
 * depth-first search over roots in the order found; ties keep the first found. Branches that
 * cannot beat the best set so far are pruned (the reference enumerates them all, which is
 * exponential when many roots are compatible; the result is the same).
 */
export function diverseRoots(roots: readonly number[][], overlap: number): number[][] {
  const n = roots.length;
  if (n === 0) return [];
  const shared = roots.map((a) => roots.map((b) => a.filter((p) => b.includes(p)).length));
  let best: number[] = [];
  const dfs = (set: number[]): void => {
    const last = set[set.length - 1];
    const next: number[] = [];
    for (let j = last + 1; j < n; j++) if (set.every((k) => shared[j][k] <= overlap)) next.push(j);
    if (next.length === 0) {
      if (set.length > best.length) best = set;
      return;
    }
    for (let i = 0; i < next.length; i++) {
      if (set.length + next.length - i <= best.length) return; // cannot beat the best any more
      dfs([...set, next[i]]);
    }
  };
  for (let i = 0; i < n && n - i > best.length; i++) dfs([i]);
  return best.map((i) => roots[i]);
}
