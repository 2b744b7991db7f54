/**
 * Fragility of interpretations (Ghorbani, Abid & Zou 2019): look for a perturbation within
 * an L-infinity ball of radius `epsilon` that keeps the predicted class and moves the map
 * as far as possible, and report how much of the map survives: the top-k intersection (the
 * score: the fraction of the original top-k pixels still in the top k; higher is more
 * robust), Spearman's rank correlation of the two maps and the shift of their centres of
 * mass (pixels). `details` holds, per input, the perturbed image and both maps.
 *
 * The attack is the paper's iteration (`attack: 'spsa'`): `iterations` signed-gradient
 * steps of epsilon/4 that lower the map's share on the original top-k pixels,
 * sum_B m(x') / sum |m(x')|, projected onto the ball; a step that changes the label is not
 * taken, and the best label-preserving iterate is reported. The paper differentiates the
 * map (second derivatives, with ReLU replaced by softplus); the engine gives first
 * derivatives only and the method is a black box here, so the gradient of the share is
 * estimated by SPSA: `candidates` antithetic pairs x' +- (epsilon/4) r, r Rademacher,
 * g = mean (D(x' + c r) - D(x' - c r)) / 2c * r. The finite step sees ReLU pattern changes
 * that an exact (zero a.e.) Hessian would not, the role softplus plays in the paper.
 * `attack: 'random'` keeps the derivative-free search: `candidates` random sign steps per
 * round, the most damaging label-preserving one kept. Draws come from
 * rngFor(seed, input, iteration, sample): batching changes nothing.
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
  iterations: { kind: 'integer' as const, default: 10, min: 1, description: 'attack steps' },
  attack: { kind: 'choice' as const, choices: ['spsa', 'random'] as const, default: 'spsa' as string, description: "signed-gradient steps on the original top-k pixels' share of the map, the gradient estimated by SPSA (Ghorbani et al.'s iteration), or random sign steps" },
  candidates: { kind: 'integer' as const, default: 2, min: 1, description: 'spsa: antithetic pairs per gradient estimate; random: steps tried per round' },
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

/** The share of a map's absolute mass on a set of pixels, signed: sum_B m / sum |m| (the attack lowers it). */
export function topkShare(map: ArrayLike<number>, inB: Uint8Array): number {
  let inside = 0, total = 0;
  for (let i = 0; i < map.length; i++) {
    total += Math.abs(map[i]);
    if (inB[i]) inside += map[i];
  }
  return total > 0 ? inside / total : 0;
}

export async function fragility(model: Model, input: Float32Array, attribution: Float32Array, options: FragilityOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(FRAGILITY_OPTIONS), ...definedOnly(options) } as OptionValues<typeof FRAGILITY_OPTIONS>;
  const explain = options.explain;
  if (!explain) throw new Error('fragility re-explains perturbed inputs: pass the method as `explain` (the context explain callback)');
  const p = prepare(model, input, attribution, options);
  const per = sizeOfShape(model.inputShape);
  const P = p.g.positions;
  const k = Math.max(1, Math.round(o.topk * P));
  const [h, w] = p.g.hw;
  const seed = options.seed ?? 0;
  const labels = await predictedClasses(model, input, p.batch);
  const topSets = Array.from({ length: p.n }, (_, e) => {
    const inB = new Uint8Array(P);
    rankDescending(mapOf(p, e)).subarray(0, k).forEach((q) => (inB[q] = 1));
    return inB;
  });
  const delta = new Float32Array(input.length);
  const best: Array<{ score: number; map: Float64Array; delta: Float32Array }> = Array.from({ length: p.n }, (_, e) => ({ score: 1, map: Float64Array.from(mapOf(p, e)), delta: new Float32Array(per) }));
  const C = o.candidates;
  const step = o.epsilon / 4;
  const buffer = new Float32Array(p.batch * per);
  /** Explain `count` points (point i read as input exampleOf(i)), a batch at a time; classes only when asked. */
  const explainPoints = async (count: number, exampleOf: (i: number) => number, fill: (i: number, dest: Float32Array) => void, consume: (i: number, map: Float64Array, cls: number) => void, classes: boolean) => {
    for (let start = 0; start < count; start += p.batch) {
      const m = Math.min(p.batch, count - start);
      const pts = buffer.subarray(0, m * per);
      for (let i = 0; i < m; i++) fill(start + i, pts.subarray(i * per, (i + 1) * per));
      const maps = attributionMaps(await explain(model, pts, chunkTarget(options.target, (i) => exampleOf(start + i), m)), m, p.g);
      const cls = classes ? await predictedClasses(model, pts, p.batch) : undefined;
      for (let i = 0; i < m; i++) consume(start + i, maps.subarray(i * P, (i + 1) * P), cls ? cls[i] : -1);
    }
  };
  const place = (dest: Float32Array, e: number, d: Float32Array) => {
    for (let j = 0; j < per; j++) dest[j] = input[e * per + j] + d[j];
  };
  const clip = (v: number) => Math.max(-o.epsilon, Math.min(o.epsilon, v));
  const rademacher = (e: number, it: number, s: number) => {
    const rng = rngFor(seed, e, it, s);
    return Float32Array.from({ length: per }, () => (rng.float() < 0.5 ? -1 : 1));
  };
  for (let it = 0; it < o.iterations; it++) {
    // proposals[e * C' + c]: the perturbations tried this step (spsa: one per input)
    const tries = o.attack === 'spsa' ? 1 : C;
    const proposals: Float32Array[] = [];
    if (o.attack === 'spsa') {
      // SPSA estimate of the gradient of the top-k share at x + delta: C antithetic pairs
      const grads = Array.from({ length: p.n }, () => new Float32Array(per));
      let dir: Float32Array = new Float32Array(0);
      await explainPoints(p.n * 2 * C, (i) => Math.floor(i / (2 * C)), (i, dest) => {
        const e = Math.floor(i / (2 * C)), s = Math.floor((i % (2 * C)) / 2), sign = i % 2 ? -1 : 1;
        if (i % 2 === 0) dir = rademacher(e, it, s);
        for (let j = 0; j < per; j++) dest[j] = input[e * per + j] + delta[e * per + j] + sign * step * dir[j];
      }, (i, map) => {
        const e = Math.floor(i / (2 * C)), s = Math.floor((i % (2 * C)) / 2), sign = i % 2 ? -1 : 1;
        const f = (sign * topkShare(map, topSets[e])) / (2 * step * C);
        const d = rademacher(e, it, s);
        for (let j = 0; j < per; j++) grads[e][j] += f * d[j];
      }, false);
      for (let e = 0; e < p.n; e++) proposals.push(Float32Array.from(grads[e], (g, j) => clip(delta[e * per + j] - step * Math.sign(g))));
    } else {
      for (let e = 0; e < p.n; e++) for (let c = 0; c < C; c++) {
        const rng = rngFor(seed, e, it, c);
        proposals.push(Float32Array.from({ length: per }, (_, j) => clip(delta[e * per + j] + (rng.float() < 0.5 ? -step : step))));
      }
    }
    // the best label-preserving proposal per input moves the attack; the best so far is kept
    const moves: Array<{ score: number; map: Float64Array; d: Float32Array } | undefined> = new Array(p.n);
    await explainPoints(proposals.length, (i) => Math.floor(i / tries), (i, dest) => place(dest, Math.floor(i / tries), proposals[i]), (i, map, cls) => {
      const e = Math.floor(i / tries);
      if (cls !== labels[e]) return;
      const score = topkIntersectionOf(mapOf(p, e), map, k);
      if (!moves[e] || score < moves[e]!.score) moves[e] = { score, map: Float64Array.from(map), d: proposals[i] };
    }, true);
    for (let e = 0; e < p.n; e++) {
      const mv = moves[e];
      if (!mv) continue;
      if (o.attack === 'spsa' || mv.score <= best[e].score) delta.set(mv.d, e * per);
      if (mv.score <= best[e].score) best[e] = { score: mv.score, map: mv.map, delta: mv.d };
    }
  }
  const scores = Float64Array.from(best, (b) => b.score);
  const details = best.map((b, e) => {
    const [y0, x0] = centreOfMass(mapOf(p, e), h, w), [y1, x1] = centreOfMass(b.map, h, w);
    return {
      spearman: spearman(mapOf(p, e), b.map),
      centreShift: Math.hypot(y1 - y0, x1 - x0),
      perturbed: Array.from(input.subarray(e * per, (e + 1) * per), (v, j) => v + b.delta[j]),
      originalMap: Array.from(mapOf(p, e)),
      perturbedMap: Array.from(b.map),
    };
  });
  return { metric: 'fragility', scores, details: { topk: k, attack: o.attack, inputs: details } };
}

export const descriptor = defineMetric({
  name: 'fragility',
  aliases: ['ghorbani'],
  title: 'Fragility (top-k intersection under attack)',
  family: 'robustness',
  summary: 'Top-k intersection of the map and the map of a label-preserving L-infinity perturbation that moves it most (Ghorbani et al. 2019; iterative attack, SPSA gradient)',
  higherIsBetter: true,
  needs: { explain: true },
  options: FRAGILITY_OPTIONS,
  random: true,
  cost: (n, o) => n * o.iterations * (o.attack === 'spsa' ? 2 * o.candidates + 2 : o.candidates * 2),
  run: (model, input, attribution, options, context) => fragility(model, input, attribution, { ...options, ...callOf(context), explain: context.explain }),
  order: 20,
});
