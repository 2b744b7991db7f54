/**
 * Synthetic images with ground-truth masks: the label is decided by a shape (0 square,
 * 1 cross, 2 ring, 3 diagonal bar) placed at a random position on a noisy distractor
 * background; the mask holds the shape's pixels. For localisation metrics against true
 * masks and for ROAR with the true ranking.
 */
import { Rng } from '../random.js';
import type { Dataset } from '../training/data.js';

export const SHAPES = ['square', 'cross', 'ring', 'bar'] as const;

function shapePixels(kind: number, s: number): [number, number][] {
  const out: [number, number][] = [];
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const edge = y === 0 || x === 0 || y === s - 1 || x === s - 1;
      const mid = Math.floor(s / 2);
      const on = kind === 0 ? true : kind === 1 ? y === mid || x === mid : kind === 2 ? edge : Math.abs(x - y) <= 0;
      if (on) out.push([y, x]);
    }
  }
  return out;
}

/** n images [1, size, size] and their masks ([n, size*size], 1 on the shape). */
export function syntheticShapes(n: number, seed: number, size = 28, shape = 8, noise = 0.3): { data: Dataset; masks: Uint8Array } {
  const rng = new Rng(seed, 0x5a9e);
  const images = new Float32Array(n * size * size);
  const masks = new Uint8Array(n * size * size);
  const labels = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    const label = rng.int(SHAPES.length);
    labels[e] = label;
    for (let p = 0; p < size * size; p++) images[e * size * size + p] = noise * rng.float();
    const [y0, x0] = [rng.int(size - shape + 1), rng.int(size - shape + 1)];
    for (const [y, x] of shapePixels(label, shape)) {
      const p = (y0 + y) * size + x0 + x;
      images[e * size * size + p] = 1;
      masks[e * size * size + p] = 1;
    }
  }
  return { data: { images, labels, shape: [1, size, size], classes: SHAPES.length }, masks };
}
