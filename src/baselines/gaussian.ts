/**
 * Gaussian baseline (Sturmfels et al.): the input plus N(0, sigma^2) noise, truncated to
 * the valid range. sigma is in PIXEL units (for pixels in [0, 1], sigma 0.5 is half the
 * range) and becomes sigma / std per channel in model space. Truncation is proper:
 * a value outside the range is drawn again (up to 64 times, then clipped), so the
 * samples follow the truncated normal rather than piling up on the range ends.
 * With an unknown range no truncation happens.
 */
import type { Model } from '../engine/model.js';
import { makeSampler, type BaselineSampler } from './baseline.js';
import { asSpace, type InputSpace, type Preprocessing } from '../engine/space.js';

export interface GaussianBaselineOptions {
  /** Standard deviation in pixel units. */
  sigma: number;
}

export function gaussianBaseline(
  space: InputSpace | Model | readonly number[],
  options: GaussianBaselineOptions,
  preprocessing?: Preprocessing,
): BaselineSampler {
  const s = asSpace(space, preprocessing);
  const { sigma } = options;
  if (!(sigma >= 0)) throw new Error(`gaussian baseline sigma must be >= 0, got ${sigma}`);
  const sd = Float64Array.from(s.std, (std) => sigma / std);
  return makeSampler(`gaussian(sigma=${sigma})`, sigma > 0, (input, rng) => {
    const out = new Float32Array(s.size);
    for (let i = 0; i < s.size; i++) {
      const lo = s.lower[i];
      const hi = s.upper[i];
      const x = s.rangeKnown ? Math.min(Math.max(input[i], lo), hi) : input[i];
      const d = sd[s.channelOf(i)];
      let v = x + d * rng.normal();
      if (s.rangeKnown) {
        for (let tries = 0; (v < lo || v > hi) && tries < 64; tries++) v = x + d * rng.normal();
        v = Math.min(Math.max(v, lo), hi);
      }
      out[i] = v;
    }
    // float32 rounding must not leave the range either
    if (s.rangeKnown) for (let i = 0; i < s.size; i++) out[i] = Math.min(Math.max(out[i], s.lower[i]), s.upper[i]);
    return out;
  });
}
