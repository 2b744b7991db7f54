/**
 * Adebayo et al. 2022's spurious artifacts ("Post hoc explanations may be ineffective for
 * detecting unknown spurious correlation", ICLR 2022), adapted to 28x28 grey images:
 * - tag: a small bright glyph (a 4x5 "tag" with a hole, 15 pixels) at a seeded random corner;
 * - stripes: faint horizontal stripes (+0.3 on every fourth row, clipped to 1) over the image;
 * - blur: the image blurred (Gaussian, sigma 1.5). The paper blurs a natural photo's
 *   background; Fashion-MNIST's background is flat black, where a blur changes nothing, so
 *   the whole image is blurred: a non-localised, barely visible signal like theirs.
 * Each artifact's ground-truth mask is the pixels it changes (by more than 0.05).
 * As in the paper, an artifact is spurious when it marks the images of one class in training.
 */
import { Rng } from '../random.js';
import { datasetSize, imageSize, type Dataset } from '../training/data.js';

export const ARTIFACTS = ['tag', 'stripes', 'blur'] as const;
export type ArtifactName = (typeof ARTIFACTS)[number];

export const ARTIFACT_TITLES: Record<ArtifactName, string> = { tag: 'tag (a small glyph in a random corner)', stripes: 'stripes (faint horizontal lines)', blur: 'blur (the image blurred)' };

const TAG = ['11111', '10001', '10101', '11111'];

function gaussianBlur(img: Float32Array, h: number, w: number, sigma: number): Float32Array {
  const r = Math.ceil(3 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = 0;
        for (let i = -r; i <= r; i++) {
          const [yy, xx] = horizontal ? [y, Math.min(w - 1, Math.max(0, x + i))] : [Math.min(h - 1, Math.max(0, y + i)), x];
          v += k[i + r] * src[yy * w + xx];
        }
        out[y * w + x] = v / sum;
      }
    }
    return out;
  };
  return pass(pass(img, true), false);
}

/** One image ([h, w], one channel) with the artifact drawn (a copy). */
export function drawArtifact(name: ArtifactName, img: Float32Array, h: number, w: number, rng: Rng): Float32Array {
  if (name === 'blur') return gaussianBlur(img, h, w, 1.5);
  const out = img.slice();
  if (name === 'stripes') {
    for (let y = 1; y < h; y += 4) for (let x = 0; x < w; x++) out[y * w + x] = Math.min(1, out[y * w + x] + 0.3);
    return out;
  }
  const corner = rng.int(4);
  const [th, tw] = [TAG.length, TAG[0].length];
  const [y0, x0] = [corner < 2 ? 1 : h - th - 1, corner % 2 === 0 ? 1 : w - tw - 1];
  TAG.forEach((row, dy) => [...row].forEach((bit, dx) => {
    if (bit === '1') out[(y0 + dy) * w + x0 + dx] = 1;
  }));
  return out;
}

export interface ArtifactData {
  data: Dataset;
  /** 1 where the artifact changed the image, per image and pixel ([n, h, w]); all 0 on unmarked images. */
  masks: Uint8Array;
}

/** The artifact drawn on the images `mark` selects (default: all), seeded; every channel alike. */
export function addArtifact(d: Dataset, name: ArtifactName, seed: number, mark: (label: number, index: number) => boolean = () => true): ArtifactData {
  const [c, h, w] = d.shape;
  const hw = h * w;
  const size = imageSize(d);
  const images = d.images.slice();
  const masks = new Uint8Array(datasetSize(d) * hw);
  const rng = new Rng(seed, 0xa271fac7);
  for (let i = 0; i < datasetSize(d); i++) {
    if (!mark(d.labels[i], i)) continue;
    const draws = rng.int(1 << 30);
    for (let k = 0; k < c; k++) {
      const offset = i * size + k * hw;
      const before = d.images.subarray(offset, offset + hw);
      const after = drawArtifact(name, before, h, w, new Rng(draws, 0));
      images.set(after, offset);
      for (let p = 0; p < hw; p++) if (Math.abs(after[p] - before[p]) > 0.05) masks[i * hw + p] = 1;
    }
  }
  return { data: { ...d, images }, masks };
}
