/**
 * Fragility of interpretations (Ghorbani, Abid & Zou 2019): look for a perturbation within
 * an L-infinity ball of radius `epsilon` that keeps the predicted class and moves the map
 * as far as possible, and report how much of the map survives: the top-k intersection (the
 * score: the fraction of the original top-k pixels still in the top k; higher is more
 * robust), Spearman's rank correlation of the two maps and the shift of their centres of
 * mass (pixels). Ghorbani et al. attack with gradients of the map (second derivatives);
 * the engine gives first derivatives of any map only, so this attack is derivative-free:
 * `iterations` rounds of `candidates` random sign steps of `epsilon / 4` from the current
 * perturbation, keeping the candidate with the smallest top-k intersection among those that
 * keep the label (a random-search attack: an upper bound on the robustness). Draws come
 * from rngFor(seed, input, iteration, candidate). `details` holds, per input, the
 * perturbed image and both maps.
 */
import type { Model } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { rngFor } from '../random.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly, mapOf, prepare, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { attributionMaps, rankDescending } from './features.js';
import { centreOfMass } from './massCentreAblation.js';
import { chunkTarget, type Explain } from './stability.js';
import { predictedClasses } from './target.js';

export const FRAGILITY_OPTIONS = {
  epsilon: { kind: 'number' as const, default: 0.03, min: 0, exclusiveMin: true, description: 'L-infinity budget of the perturbation (model-space units)' },
  iterations: { kind: 'integer' as const, default: 10, min: 1, description: 'attack rounds' },
  candidates: { kind: 'integer' as const, default: 4, min: 1, description: 'random steps tried per round' },
  topk: { kind: 'number' as const, default: 0.1, min: 0, exclusiveMin: true, max: 1, description: 'fraction of pixels in the top-k comparison' },
};

export type FragilityOptions = Partial<OptionValues<typeof FRAGILITY_OPTIONS>> & MetricCall & { explain?: Explain };

/** Fraction of a's top k pixels that are also among b's top k. */
export function topkIntersectionOf(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  const ra = rankDescending(Float64Array.from(a)), rb = rankDescending(Float64Array.from(b));
  const inB = new Uint8Array(a.length);
  for (let j = 0; j < k; j++) inB[rb[j]] = 1;
  let hits = 0;
  for (let j = 0; j < k; j++) hits += inB[ra[j]];
  return hits / k;
}

/** Spearman's rank correlation (ranks by descending value, ties by position). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const rank = (v: ArrayLike<number>) => {
    const r = new Float64Array(n);
    rankDescending(Float64Array.from(v)).forEach((p, i) => (r[p] = i));
    return r;
  };
  const ra = rank(a), rb = rank(b);
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (ra[i] - rb[i]) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

export async function fragility(model: Model, input: Float32Array, attribution: Float32Array, options: FragilityOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(FRAGILITY_OPTIONS), ...definedOnly(options) } as OptionValues<typeof FRAGILITY_OPTIONS>;
  if (!options.explain) throw new Error('fragility re-explains perturbed inputs: pass the method as `explain` (the context explain callback)');
  const p = prepare(model, input, attribution, options);
  const per = sizeOfShape(model.inputShape);
  const P = p.g.positions;
  const k = Math.max(1, Math.round(o.topk * P));
  const [h, w] = p.g.hw;
  const labels = await predictedClasses(model, input, p.batch);
  const delta = new Float32Array(input.length);
  const best: Array<{ score: number; map: Float64Array }> = Array.from({ length: p.n }, (_, e) => ({ score: 1, map: Float64Array.from(mapOf(p, e)) }));
  const C = o.candidates;
  const step = o.epsilon / 4;
  const candidate = new Float32Array(Math.min(p.batch, p.n * C) * per);
  for (let it = 0; it < o.iterations; it++) {
    const moves: Array<{ score: number; map: Float64Array; d: Float32Array } | undefined> = new Array(p.n);
    for (let start = 0; start < p.n * C; start += p.batch) {
      const m = Math.min(p.batch, p.n * C - start);
      const pts = candidate.subarray(0, m * per);
      const ds: Float32Array[] = [];
      for (let i = 0; i < m; i++) {
        const e = Math.floor((start + i) / C), c = (start + i) % C;
        const rng = rngFor(options.seed ?? 0, e, it, c);
        const d = new Float32Array(per);
        for (let j = 0; j < per; j++) {
          d[j] = Math.max(-o.epsilon, Math.min(o.epsilon, delta[e * per + j] + (rng.float() < 0.5 ? -step : step)));
          pts[i * per + j] = input[e * per + j] + d[j];
        }
        ds.push(d);
      }
      const expl = await options.explain(model, pts, chunkTarget(options.target, (i) => Math.floor((start + i) / C), m));
      const maps = attributionMaps(expl, m, p.g);
      const cls = await predictedClasses(model, pts, p.batch);
      for (let i = 0; i < m; i++) {
        const e = Math.floor((start + i) / C);
        if (cls[i] !== labels[e]) continue;
        const map = maps.slice(i * P, (i + 1) * P);
        const score = topkIntersectionOf(mapOf(p, e), map, k);
        if (!moves[e] || score < moves[e]!.score) moves[e] = { score, map, d: ds[i] };
      }
    }
    for (let e = 0; e < p.n; e++) {
      const mv = moves[e];
      if (mv && mv.score <= best[e].score) {
        best[e] = { score: mv.score, map: mv.map };
        delta.set(mv.d, e * per);
      }
    }
  }
  const scores = Float64Array.from(best, (b) => b.score);
  const details = best.map((b, e) => {
    const [y0, x0] = centreOfMass(mapOf(p, e), h, w), [y1, x1] = centreOfMass(b.map, h, w);
    return {
      spearman: spearman(mapOf(p, e), b.map),
      centreShift: Math.hypot(y1 - y0, x1 - x0),
      perturbed: Array.from(input.subarray(e * per, (e + 1) * per), (v, j) => v + delta[e * per + j]),
      originalMap: Array.from(mapOf(p, e)),
      perturbedMap: Array.from(b.map),
    };
  });
  return { metric: 'fragility', scores, details: { topk: k, inputs: details } };
}

export const descriptor = defineMetric({
  name: 'fragility',
  aliases: ['ghorbani'],
  title: 'Fragility (top-k intersection under attack)',
  family: 'robustness',
  summary: 'Top-k intersection of the map and the map of a label-preserving L-infinity perturbation that moves it most (Ghorbani et al. 2019; random-search attack)',
  higherIsBetter: true,
  needs: { explain: true },
  options: FRAGILITY_OPTIONS,
  random: true,
  cost: (n, o) => n * o.iterations * o.candidates * 2,
  run: (model, input, attribution, options, context) => fragility(model, input, attribution, { ...options, ...callOf(context), explain: context.explain }),
  order: 20,
});
