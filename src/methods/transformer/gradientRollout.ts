/**
 * Gradient-weighted attention rollout (Chefer, Gur & Wolf 2021, "Generic attention-model
 * explainability for interpreting bi-modal and encoder-decoder transformers"): R = I, then for
 * each layer R <- R + mean_h[(dY/dA ⊙ A)^+] R; the map is the class token's row over the patches.
 * Class-specific through the gradient of the target at every attention map.
 */
import type { Model } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import { ROLLOUT_OPTIONS, rolloutOptionsFrom, runRollout, type RolloutAttribution, type RolloutOptions } from './common.js';

export function gradientRollout(model: Model, input: Float32Array, options: RolloutOptions = {}): Promise<RolloutAttribution> {
  return runRollout(model, input, options, 'gradientRollout', true);
}

export const descriptor = defineMethod({
  name: 'chefer',
  aliases: ['gradientrollout', 'gradrollout', 'genericattention', 'transformerattribution'],
  title: 'Gradient-weighted rollout (Chefer)',
  family: 'cam',
  summary: 'Attention weighted by its gradient, positive part, head mean, accumulated as R += A R (Chefer et al. 2021)',
  needs: { gradients: true },
  options: ROLLOUT_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => gradientRollout(model, input, rolloutOptionsFrom(o, ctx)),
  order: 81,
});
