/**
 * I-GOS++ (Khorram et al., CHIL 2021): a deletion mask and an insertion mask optimised
 * together. Their product is the explanation: deleting it destroys the prediction and
 * inserting it alone into the baseline restores it. Each step follows the integrated
 * gradients of four masked paths (the product for deletion and for insertion, each mask
 * for its own objective), halved, plus L1 and bilateral TV on the product (TV on the coarse
 * mask and, weighted by colour similarity, on the upsampled one). Defaults: the official
 * code (khorrams/IGOS_pp: iGOS_pp, bilateral sigma 0.01, beta 2).
 */
import type { Model } from '../../engine/model.js';
import { rngFor } from '../../random.js';
import { defineMethod } from '../descriptor.js';
import { PathCache, type PathSpec } from './path.js';
import { boundedLoss, lineSearch, Orbit, type BoundedLoss } from './lineSearch.js';
import { addPenalties, bilateralTvPenalty, bilateralWeights, l1Penalty } from './regularizers.js';
import { fitMasks, maskGrid, maskResult, Nesterov, setupMask, step, type MaskAttribution } from './common.js';
import { igosOptions, resolveIgos, type IgosOptions } from './igos.js';

export type IgosppOptions = IgosOptions;

const SIGMA = 0.01;

function times(a: Float64Array, b: Float64Array): Float64Array {
  return Float64Array.from(a, (v, i) => v * b[i]);
}

export async function igospp(model: Model, input: Float32Array, options: IgosppOptions = {}): Promise<MaskAttribution> {
  const p = resolveIgos(options);
  const setup = await setupMask(model, input, options);
  const { g, runner } = setup;
  const up = maskGrid(g, p.size);
  const cells = up.rows * up.cols;
  const masks = await fitMasks(input, setup, async (e, x, b) => {
    const spec: PathSpec = { runner, g, example: e, steps: p.steps, noise: p.noise };
    const weights = bilateralWeights(x, g, SIGMA);
    const reg = (m: Float64Array) => addPenalties(l1Penalty(m, p.l1), bilateralTvPenalty(m, up, weights, p.tv));
    const path = new PathCache(spec);
    let draw = 0;
    const rng = () => rngFor(p.seed, e, draw++);
    // deletion: the path x -> baseline through the mask; insertion: baseline -> x (a score to raise)
    const del = (u: Float64Array) => path.gradient(x, b, u, rng());
    const ins = (u: Float64Array) => path.gradient(b, x, u, rng());
    const md = new Float64Array(cells).fill(1), mi = new Float64Array(cells).fill(1);
    const nagD = new Nesterov(p.alpha), nagI = new Nesterov(p.alpha);
    const orbit = new Orbit(p.iterations, p.noise);
    orbit.visit(new Float64Array(2 * cells).fill(1));
    for (let it = 0; it < p.iterations; it++) {
      const ud = up.up(md), ui = up.up(mi), both = times(ud, ui);
      const gBothDel = (await del(both)).grad, gBothIns = (await ins(both)).grad;
      const gDel = (await del(ud)).grad, gIns = (await ins(ui)).grad;
      const fineD = new Float64Array(g.positions), fineI = new Float64Array(g.positions);
      for (let q = 0; q < g.positions; q++) {
        const gb = gBothDel[q] - gBothIns[q];
        fineD[q] = (gb * ui[q] + gDel[q]) / 2;
        fineI[q] = (gb * ud[q] - gIns[q]) / 2;
      }
      const r = reg(times(md, mi));
      const gradD = up.down(fineD), gradI = up.down(fineI);
      for (let i = 0; i < cells; i++) {
        gradD[i] += r.grad[i] * mi[i];
        gradI[i] += r.grad[i] * md[i];
      }
      if (p.optimizer === 'nesterov') {
        nagD.step(md, gradD, it);
        nagI.step(mi, gradI, it);
        continue;
      }
      // one line search over the stacked masks, as the reference
      const stacked = new Float64Array(2 * cells), grads = new Float64Array(2 * cells);
      stacked.set(md), stacked.set(mi, cells), grads.set(gradD), grads.set(gradI, cells);
      // S_del(d) - S_ins(i) + S_del(d i) - S_ins(d i) + penalties; scores asked only while the candidate could
      // still be acceptable (lineSearch.ts)
      const loss: BoundedLoss = (s, limit) => {
        const d = s.subarray(0, cells), i = s.subarray(cells);
        const udd = up.up(d), uii = up.up(i), ub = times(udd, uii);
        const r = [rng(), rng(), rng(), rng()];
        const terms = [
          { sign: 1, score: () => path.score(x, b, udd, r[0]) },
          { sign: -1, score: () => path.score(b, x, uii, r[1]) },
          { sign: 1, score: () => path.score(x, b, ub, r[2]) },
          { sign: -1, score: () => path.score(b, x, ub, r[3]) },
        ] as const;
        return boundedLoss(terms, reg(times(d as Float64Array, i as Float64Array)).value, limit, setup.scoreRange);
      };
      const a = await lineSearch(stacked, grads, loss, p.alpha);
      step(md, gradD, a);
      step(mi, gradI, a);
      stacked.set(md), stacked.set(mi, cells);
      const end = orbit.visit(stacked);
      if (end) return times(end.subarray(0, cells), end.subarray(cells));
    }
    return times(md, mi);
  });
  return maskResult(model, input, setup, up, masks, 'igospp', { ...p }, options);
}

export const descriptor = defineMethod({
  name: 'igospp',
  aliases: ['igos++', 'i-gos++', 'igosplusplus'],
  title: 'I-GOS++',
  family: 'mask',
  summary: 'joint deletion and insertion masks, integrated-gradient descent, bilateral TV (Khorram et al. 2021)',
  needs: { gradients: true, baseline: true },
  options: igosOptions,
  random: (o) => o.noise > 0,
  cost: (n, o) => n * o.iterations * o.steps * (o.optimizer === 'nesterov' ? 4 : 16) + n * 2 * (o.curveSteps + 1),
  run: (model, input, o, c) =>
    igospp(model, input, { ...o, optimizer: o.optimizer as 'linesearch' | 'nesterov', target: c.target, baseline: c.baseline, preprocessing: c.preprocessing, seed: c.seed, batchSize: c.batchSize }),
  order: 30,
});
