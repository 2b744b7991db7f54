/**
 * I-GOS (Qi, Khorram & Li, AAAI 2020): the smallest, smoothest coarse mask whose deletion
 * (blending the image into the blurred baseline where the mask is 0) destroys the target's
 * probability, descending along the integrated gradient of the masked path instead of the
 * plain gradient, with a backtracking line search. Defaults: the official code
 * (khorrams/IGOS_pp main.py: 28x28 mask, 20 outer iterations x 15 path points (main.py passes
 * --ig_iter as the iterations and --iterations as the path points), L1 1, TV 20, step 1000, noise 0.2).
 */
import type { Model } from '../../engine/model.js';
import { rngFor } from '../../random.js';
import { defineMethod } from '../descriptor.js';
import { PathCache, type PathSpec } from './path.js';
import { boundedLoss, lineSearch, Orbit, type BoundedLoss } from './lineSearch.js';
import { addPenalties, l1Penalty, tvPenalty } from './regularizers.js';
import { fitMasks, maskGrid, maskResult, Nesterov, setupMask, step, type MaskAttribution, type MaskOptions } from './common.js';

export interface IgosOptions extends MaskOptions {
  size?: number;
  iterations?: number;
  steps?: number;
  l1?: number;
  tv?: number;
  alpha?: number;
  noise?: number;
  optimizer?: 'linesearch' | 'nesterov';
}

/** Options shared by I-GOS and I-GOS++ (one definition, one set of defaults). */
export const igosOptions = {
  size: { kind: 'integer', default: 28, min: 1, max: 1024, description: 'cells of the coarse mask per side (upsampled bilinearly)' },
  iterations: { kind: 'integer', default: 20, min: 1, max: 10000, description: 'optimisation steps' },
  steps: { kind: 'integer', default: 15, min: 1, max: 1000, description: 'points on the integrated-gradient path' },
  l1: { kind: 'number', default: 1, min: 0, description: 'weight of the L1 term (mask area)' },
  tv: { kind: 'number', default: 20, min: 0, description: 'weight of the total-variation term (smoothness)' },
  alpha: { kind: 'number', default: 1000, min: 0, exclusiveMin: true, description: 'initial step of the line search (the step of nesterov)' },
  noise: { kind: 'number', default: 0.2, min: 0, description: 'sd of the Gaussian noise added along the path (model units)' },
  optimizer: { kind: 'choice', choices: ['linesearch', 'nesterov'], default: 'linesearch', aliases: { ls: 'linesearch', nag: 'nesterov' }, description: 'backtracking line search (the paper) or Nesterov steps' },
  curveSteps: { kind: 'integer', default: 50, min: 0, max: 100000, description: 'points of the deletion/insertion curves scored on the result (0: none)' },
} as const;

export function resolveIgos(o: IgosOptions) {
  const d = descriptor.options;
  return {
    size: o.size ?? d.size.default,
    iterations: o.iterations ?? d.iterations.default,
    steps: o.steps ?? d.steps.default,
    l1: o.l1 ?? d.l1.default,
    tv: o.tv ?? d.tv.default,
    alpha: o.alpha ?? d.alpha.default,
    noise: o.noise ?? d.noise.default,
    optimizer: o.optimizer ?? (d.optimizer.default as 'linesearch'),
    seed: o.seed ?? 0,
  };
}

export async function igos(model: Model, input: Float32Array, options: IgosOptions = {}): Promise<MaskAttribution> {
  const p = resolveIgos(options);
  const setup = await setupMask(model, input, options);
  const { g, runner } = setup;
  const up = maskGrid(g, p.size);
  const masks = await fitMasks(input, setup, async (e, x, b) => {
    const spec: PathSpec = { runner, g, example: e, steps: p.steps, noise: p.noise };
    const reg = (m: Float64Array) => addPenalties(l1Penalty(m, p.l1), tvPenalty(m, up.rows, up.cols, p.tv));
    const path = new PathCache(spec);
    const m = new Float64Array(up.rows * up.cols).fill(1);
    const nag = new Nesterov(p.alpha);
    let draw = 0;
    const rng = () => rngFor(p.seed, e, draw++);
    const orbit = new Orbit(p.iterations, p.noise);
    orbit.visit(m);
    for (let it = 0; it < p.iterations; it++) {
      const grad = reg(m).grad;
      const ig = await path.gradient(x, b, up.up(m), rng());
      const coarse = up.down(ig.grad);
      for (let i = 0; i < grad.length; i++) grad[i] += coarse[i];
      if (p.optimizer === 'nesterov') nag.step(m, grad, it);
      else {
        // the path score is asked only while it could still make the candidate acceptable (lineSearch.ts)
        const loss: BoundedLoss = (c, limit) => {
          const r = rng();
          return boundedLoss([{ sign: 1, score: () => path.score(x, b, up.up(c), r) }], reg(c).value, limit, setup.scoreRange);
        };
        step(m, grad, await lineSearch(m, grad, loss, p.alpha));
        const end = orbit.visit(m);
        if (end) return end;
      }
    }
    return m;
  });
  return maskResult(model, input, setup, up, masks, 'igos', { ...p }, options);
}

export const descriptor = defineMethod({
  name: 'igos',
  aliases: ['i-gos', 'integratedgradientoptimizedsaliency'],
  title: 'I-GOS',
  family: 'mask',
  summary: 'smallest smooth deletion mask, descending the integrated gradient with a line search (Qi et al. 2020)',
  needs: { gradients: true, baseline: true },
  options: igosOptions,
  random: (o) => o.noise > 0,
  // per iteration: one path of gradients, and (line search) about three paths forward
  cost: (n, o) => n * o.iterations * o.steps * (o.optimizer === 'nesterov' ? 1 : 4) + n * 2 * (o.curveSteps + 1),
  run: (model, input, o, c) =>
    igos(model, input, { ...o, optimizer: o.optimizer as 'linesearch' | 'nesterov', target: c.target, baseline: c.baseline, preprocessing: c.preprocessing, seed: c.seed, batchSize: c.batchSize }),
  order: 20,
});
