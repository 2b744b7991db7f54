/**
 * Maximum-distance baseline (Sturmfels et al.): the image inside the valid range that
 * is farthest from the input in L1, i.e. per element the end of the range farther
 * from the input value. It depends on the input, so no pixel can equal its baseline
 * (unlike the black baseline), but it carries the input's edges in inverted form.
 */
import type { Model } from '../engine/model.js';
import { makeSampler, type BaselineSampler } from './baseline.js';
import { asSpace, requireRange, type InputSpace, type Preprocessing } from '../engine/space.js';

export function maxDistanceBaseline(space: InputSpace | Model | readonly number[], preprocessing?: Preprocessing): BaselineSampler {
  const s = asSpace(space, preprocessing);
  requireRange(s, 'maximum-distance');
  return makeSampler('maxDistance', false, (input) => {
    const out = new Float32Array(s.size);
    for (let i = 0; i < s.size; i++) {
      const lo = s.lower[i];
      const hi = s.upper[i];
      // ties (the exact middle) go to the lower end
      out[i] = input[i] - lo >= hi - input[i] ? lo : hi;
    }
    return out;
  });
}
