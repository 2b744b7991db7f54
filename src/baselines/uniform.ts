/**
 * Uniform-noise baseline: every element drawn uniformly from its valid range (in pixel
 * space, so per channel after normalisation). Random: methods average over samples.
 */
import type { Model } from '../engine/model.js';
import { makeSampler, type BaselineSampler } from './baseline.js';
import { asSpace, requireRange, type InputSpace, type Preprocessing } from '../engine/space.js';

export function uniformBaseline(space: InputSpace | Model | readonly number[], preprocessing?: Preprocessing): BaselineSampler {
  const s = asSpace(space, preprocessing);
  requireRange(s, 'uniform');
  return makeSampler('uniform', true, (_input, rng) => {
    const out = new Float32Array(s.size);
    for (let i = 0; i < s.size; i++) {
      const v = s.lower[i] + (s.upper[i] - s.lower[i]) * rng.float();
      out[i] = Math.min(Math.max(v, s.lower[i]), s.upper[i]); // float32 rounding stays in range
    }
    return out;
  });
}
