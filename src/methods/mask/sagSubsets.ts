/**
 * The reference's diverse root set (diverse_subset_selection.py, maximal_overlapThresh_set):
 * the largest subset of roots in which every two share at most `overlap` patches, found by
 * depth-first search over roots in the order found; ties keep the first found.
 */
export function diverseRoots(roots: readonly number[][], overlap: number): number[][] {
  const n = roots.length;
  if (n === 0) return [];
  const shared = roots.map((a) => roots.map((b) => a.filter((p) => b.includes(p)).length));
  const dfs = (set: number[]): number[] => {
    const last = set[set.length - 1];
    const next: number[] = [];
    for (let j = last + 1; j < n; j++) if (set.every((k) => shared[j][k] <= overlap)) next.push(j);
    if (next.length === 0) return set;
    let best: number[] = [];
    for (const j of next) {
      const c = dfs([...set, j]);
      if (c.length > best.length) best = c;
    }
    return best;
  };
  let best: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = dfs([i]);
    if (c.length > best.length) best = c;
  }
  return best.map((i) => roots[i]);
}
