/**
 * Meaningful Perturbation (Fong & Vedaldi, ICCV 2017): the smallest, smoothest mask whose
 * deletion (blend into the blurred image where the mask is 0) destroys the target's
 * probability, found by plain gradient descent (Adam) on
 *     l1 mean|1 - m| + tv TV_beta(m) + p(x m + b (1 - m)).
 * The plain-gradient member of the family I-GOS improves on. Defaults follow the widely used
 * PyTorch port (28x28 mask, Adam lr 0.1, L1 0.01, TV 0.2, beta 3), with 300 iterations.
 */
import type { Model } from '../../engine/model.js';
import { rngFor } from '../../random.js';
import { defineMethod } from '../descriptor.js';
import { pathGradient, type PathSpec } from './path.js';
import { addPenalties, l1Penalty, tvPenalty } from './regularizers.js';
import { fitMasks, maskGrid, maskResult, setupMask, type MaskAttribution, type MaskOptions } from './common.js';

export interface MeaningfulPerturbationOptions extends MaskOptions {
  size?: number;
  iterations?: number;
  learningRate?: number;
  l1?: number;
  tv?: number;
  tvBeta?: number;
  noise?: number;
}

export async function meaningfulPerturbation(model: Model, input: Float32Array, options: MeaningfulPerturbationOptions = {}): Promise<MaskAttribution> {
  const d = descriptor.options;
  const p = {
    size: options.size ?? d.size.default,
    iterations: options.iterations ?? d.iterations.default,
    learningRate: options.learningRate ?? d.learningRate.default,
    l1: options.l1 ?? d.l1.default,
    tv: options.tv ?? d.tv.default,
    tvBeta: options.tvBeta ?? d.tvBeta.default,
    noise: options.noise ?? d.noise.default,
    seed: options.seed ?? 0,
  };
  const setup = await setupMask(model, input, options);
  const { g, runner } = setup;
  const up = maskGrid(g, p.size);
  const masks = await fitMasks(input, setup, async (e, x, b) => {
    const spec: PathSpec = { runner, g, example: e, steps: 1, noise: p.noise };
    const m = new Float64Array(up.rows * up.cols).fill(1);
    const mom = new Float64Array(m.length), vel = new Float64Array(m.length);
    for (let it = 1; it <= p.iterations; it++) {
      const grad = addPenalties(l1Penalty(m, p.l1), tvPenalty(m, up.rows, up.cols, p.tv, p.tvBeta)).grad;
      const fine = await pathGradient(spec, x, b, up.up(m), rngFor(p.seed, e, it));
      const coarse = up.down(fine.grad);
      for (let i = 0; i < m.length; i++) {
        const gi = grad[i] + coarse[i];
        mom[i] = 0.9 * mom[i] + 0.1 * gi;
        vel[i] = 0.999 * vel[i] + 0.001 * gi * gi;
        const step = (p.learningRate * (mom[i] / (1 - 0.9 ** it))) / (Math.sqrt(vel[i] / (1 - 0.999 ** it)) + 1e-8);
        m[i] = Math.min(1, Math.max(0, m[i] - step));
      }
    }
    return m;
  });
  return maskResult(model, input, setup, up, masks, 'meaningfulPerturbation', { ...p }, options);
}

export const descriptor = defineMethod({
  name: 'meaningfulperturbation',
  aliases: ['meaningful-perturbation', 'mp', 'extremalperturbation'],
  title: 'Meaningful Perturbation',
  family: 'mask',
  summary: 'smallest smooth blur-deletion mask by plain gradient descent with L1 and TV penalties (Fong & Vedaldi 2017)',
  needs: { gradients: true, baseline: true },
  options: {
    size: { kind: 'integer', default: 28, min: 1, max: 1024, description: 'cells of the coarse mask per side (upsampled bilinearly)' },
    iterations: { kind: 'integer', default: 300, min: 1, max: 100000, description: 'Adam steps' },
    learningRate: { kind: 'number', default: 0.1, min: 0, exclusiveMin: true, description: 'Adam learning rate' },
    l1: { kind: 'number', default: 0.01, min: 0, description: 'weight of the L1 term (mask area)' },
    tv: { kind: 'number', default: 0.2, min: 0, description: 'weight of the total-variation term' },
    tvBeta: { kind: 'number', default: 3, min: 1, description: 'exponent of the total variation' },
    noise: { kind: 'number', default: 0, min: 0, description: 'sd of Gaussian noise added to the perturbed image (model units)' },
    curveSteps: { kind: 'integer', default: 50, min: 0, max: 100000, description: 'points of the deletion/insertion curves scored on the result (0: none)' },
  },
  random: (o) => o.noise > 0,
  cost: (n, o) => n * o.iterations + n * 2 * (o.curveSteps + 1),
  run: (model, input, o, c) =>
    meaningfulPerturbation(model, input, { ...o, target: c.target, baseline: c.baseline, preprocessing: c.preprocessing, seed: c.seed, batchSize: c.batchSize }),
  order: 10,
});
