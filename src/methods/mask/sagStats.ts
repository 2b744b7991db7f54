/**
 * Dataset-level statistics of Structured Attention Graphs (Jiang et al., CVPR 2024): per
 * image, how many minimal sufficient explanations the search found, their sizes, and how
 * much of the image they cover; over a dataset, the distributions of these per model.
 */
import type { SagGraph } from './sag.js';

export interface SagImageStats {
  image: string;
  /** Minimal sufficient explanations found (all, before the diverse selection). */
  roots: number;
  /** Roots in the diverse subset shown. */
  diverseRoots: number;
  /** Patches per root. */
  sizes: number[];
  /** Fraction of the image's patches in the union of all roots, and in the smallest root. */
  coverage: number;
  smallestCoverage: number;
  fullScore: number;
}

export interface SagDatasetStats {
  model: string;
  images: SagImageStats[];
  /** Images with no sufficient set (the threshold was never reached). */
  withoutRoots: number;
  meanRoots: number;
  meanRootSize: number;
  meanCoverage: number;
  /** histogram[k]: images with k roots (the last bin counts k >= its index). */
  rootsHistogram: number[];
  /** sizeHistogram[k]: roots of k patches. */
  sizeHistogram: number[];
}

export function sagImageStats(image: string, g: SagGraph): SagImageStats {
  const P = g.grid[0] * g.grid[1];
  const union = new Set(g.allRoots.flat());
  const sizes = g.allRoots.map((r) => r.length);
  return {
    image,
    roots: g.allRoots.length,
    diverseRoots: g.roots.length,
    sizes,
    coverage: union.size / P,
    smallestCoverage: sizes.length ? Math.min(...sizes) / P : 0,
    fullScore: g.fullScore,
  };
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);

export function sagDatasetStats(model: string, images: SagImageStats[], maxBin = 10): SagDatasetStats {
  const rootsHistogram = new Array(maxBin + 1).fill(0);
  for (const s of images) rootsHistogram[Math.min(s.roots, maxBin)]++;
  const allSizes = images.flatMap((s) => s.sizes);
  const sizeHistogram = new Array(Math.max(0, ...allSizes) + 1).fill(0);
  for (const k of allSizes) sizeHistogram[k]++;
  return {
    model,
    images,
    withoutRoots: images.filter((s) => s.roots === 0).length,
    meanRoots: mean(images.map((s) => s.roots)),
    meanRootSize: mean(allSizes),
    meanCoverage: mean(images.map((s) => s.coverage)),
    rootsHistogram,
    sizeHistogram,
  };
}
