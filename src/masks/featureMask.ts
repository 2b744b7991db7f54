/**
 * A feature mask groups the spatial positions of an input into features (grid cells,
 * superpixels, regions): one integer label per position, labels 0 .. count-1, shared by
 * every channel at that position. Perturbation methods (occlusion, feature ablation,
 * Shapley sampling, KernelSHAP, LIME), XRAI and region metrics all take this one type.
 */
export interface FeatureMask {
  /** Label of each spatial position, row-major over [height, width]; values 0 .. count-1. */
  readonly labels: Int32Array;
  /** Number of features (distinct labels). */
  readonly count: number;
  /** Spatial shape [height, width] the labels cover. */
  readonly shape: readonly [number, number];
}

/** Check a mask: labels in range, each label used at least once. Throws naming what is wrong. */
export function checkFeatureMask(mask: FeatureMask): void {
  const [h, w] = mask.shape;
  if (mask.labels.length !== h * w) throw new Error(`feature mask holds ${mask.labels.length} labels for a ${h}x${w} map (expected ${h * w})`);
  const seen = new Uint8Array(mask.count);
  for (const l of mask.labels) {
    if (!(l >= 0 && l < mask.count)) throw new Error(`feature mask label ${l} is outside 0..${mask.count - 1}`);
    seen[l] = 1;
  }
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new Error(`feature mask label ${missing} is never used: relabel to 0..k-1 without gaps`);
}

/** Relabel any integer map to consecutive labels 0..k-1 in order of first appearance. */
export function relabel(labels: ArrayLike<number>, shape: readonly [number, number]): FeatureMask {
  const map = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let l = map.get(labels[i]);
    if (l === undefined) map.set(labels[i], (l = map.size));
    out[i] = l;
  }
  return { labels: out, count: map.size, shape: [shape[0], shape[1]] };
}
