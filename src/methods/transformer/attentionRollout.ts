/**
 * Attention rollout (Abnar & Zuidema 2020, "Quantifying attention flow in transformers"):
 * the product over layers of the head-fused attention plus identity, row-normalised; the map is
 * the class token's row over the patch tokens. Forward passes only; the target is not used
 * (every class gets the same map), as in the paper.
 */
import type { Model } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import { ROLLOUT_OPTIONS, rolloutOptionsFrom, runRollout, type RolloutAttribution, type RolloutOptions } from './common.js';

export function attentionRollout(model: Model, input: Float32Array, options: RolloutOptions = {}): Promise<RolloutAttribution> {
  return runRollout(model, input, options, 'attentionRollout', false);
}

export const descriptor = defineMethod({
  name: 'rollout',
  aliases: ['attentionrollout', 'attention-rollout'],
  title: 'Attention rollout',
  family: 'cam',
  summary: 'Product of the layers\' head-fused attention plus identity, row-normalised: class token over patches (Abnar & Zuidema 2020)',
  needs: { gradients: false },
  options: ROLLOUT_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => attentionRollout(model, input, rolloutOptionsFrom(o, ctx)),
  order: 80,
});
