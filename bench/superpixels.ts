/**
 * The perturbation benchmarks' superpixels: SLIC (n_segments 64, compactness 20: 50 superpixels)
 * of a smooth synthetic picture (low-frequency colour waves), since on the benchmark input,
 * which is noise, SLIC finds a single segment.
 */
import { slic } from '../src/masks/slic.js';
import type { FeatureMask } from '../src/masks/featureMask.js';

export function benchSuperpixels(segments = 64): FeatureMask {
  const picture = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => {
    const c = Math.floor(i / (224 * 224));
    const y = Math.floor(i / 224) % 224;
    const x = i % 224;
    return 0.5 + 0.25 * Math.sin((2 * Math.PI * (y + 31 * c)) / 97) * Math.cos((2 * Math.PI * (x - 17 * c)) / 71) + 0.2 * Math.sin((2 * Math.PI * (x + y)) / 150);
  });
  const features = slic(picture, [3, 224, 224], { segments, compactness: 20 });
  if (features.count < 10) throw new Error(`SLIC found only ${features.count} superpixels in the benchmark picture`);
  return features;
}
