/**
 * The baselines article's mass-centre ablation (Sturmfels, Lundberg & Lee 2020): ablate
 * square boxes of growing size centred on the attribution's centre of mass (of the
 * absolute channel-summed map), by mean imputation or blur, and plot the target's logit as a
 * fraction of the original; the control centres the same boxes on a random pixel. Box s of
 * S covers the pixels within Chebyshev distance < round(s/S * (R+1)) of the centre, R being
 * the distance to the farthest corner, so the last box covers the image. Score: the area
 * under the relative curve (lower is better).
 */
import type { Model } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { rngFor } from '../random.js';
import type { OptionValues } from '../methods/descriptor.js';
import { auc, deletionCurve } from './curve.js';
import { callOf, controlOption, defaultsOf, definedOnly, mapOf, outputOption, prepare, sigmaOption, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import type { Geometry } from './features.js';
import { makeSubstrate } from './substrate.js';
import { metricTarget, targetValues, type MetricOutput } from './target.js';

export const MASSCENTRE_OPTIONS = {
  steps: { kind: 'integer' as const, default: 20, min: 1, description: 'box sizes after the start' },
  substrate: { kind: 'choice' as const, choices: ['mean', 'blur', 'zero', 'black'] as const, default: 'mean' as string, description: 'mean imputation or blur (the article), or zero / black' },
  sigma: sigmaOption,
  output: outputOption('logit'),
  control: controlOption,
};

export type MassCentreOptions = Partial<OptionValues<typeof MASSCENTRE_OPTIONS>> & MetricCall;

/** Centre of mass (row, column) of |map| over [h, w]; the image centre for an all-zero map. */
export function centreOfMass(map: ArrayLike<number>, h: number, w: number): [number, number] {
  let m = 0, cy = 0, cx = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = Math.abs(map[y * w + x]);
    m += v;
    cy += v * y;
    cx += v * x;
  }
  return m > 0 ? [cy / m, cx / m] : [(h - 1) / 2, (w - 1) / 2];
}

/** Pixels ordered by Chebyshev distance to (cy, cx) (ties by index) and the box sizes' pixel counts. */
export function boxRanking(g: Geometry, cy: number, cx: number, boxes: number): { ranking: Int32Array; steps: number[] } {
  const [h, w] = g.hw;
  const ry = Math.round(cy), rx = Math.round(cx);
  const dist = Int32Array.from({ length: h * w }, (_, p) => Math.max(Math.abs(Math.floor(p / w) - ry), Math.abs((p % w) - rx)));
  const R = Math.max(ry, h - 1 - ry, rx, w - 1 - rx);
  const ranking = Int32Array.from({ length: h * w }, (_, i) => i).sort((a, b) => dist[a] - dist[b] || a - b);
  const steps = Array.from({ length: boxes + 1 }, (_, s) => {
    const r = Math.round((s / boxes) * (R + 1));
    let k = 0;
    for (const d of dist) if (d < r) k++;
    return k;
  });
  return { ranking, steps };
}

export async function massCentreAblation(model: Model, input: Float32Array, attribution: Float32Array, options: MassCentreOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(MASSCENTRE_OPTIONS), ...definedOnly(options) } as OptionValues<typeof MASSCENTRE_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const per = sizeOfShape(model.inputShape);
  const [h, w] = p.g.hw;
  const output = o.output as MetricOutput;
  const target = metricTarget(model, options.target, output);
  const f0 = await targetValues(model, input, target, p.batch);
  const substrate = makeSubstrate(o.substrate as 'mean', p.g, { sigma: o.sigma });
  const x = Array.from({ length: o.steps + 1 }, (_, s) => s / o.steps);
  const y: number[][] = [], control: number[][] = [];
  for (let e = 0; e < p.n; e++) {
    const one = input.subarray(e * per, (e + 1) * per);
    const t = { ...target, value: (out: Float32Array) => target.value(out, e) };
    const curveAt = async (cy: number, cx: number) => {
      const { ranking, steps } = boxRanking(p.g, cy, cx, o.steps);
      const r = await deletionCurve(model, one, [ranking], { target: t, substrate, geometry: p.g, steps, batchSize: p.batch });
      return Array.from(r.y[0], (v) => v / f0[e]);
    };
    y.push(await curveAt(...centreOfMass(mapOf(p, e), h, w)));
    if (o.control) {
      const rng = rngFor(options.seed ?? 0, 3, e);
      control.push(await curveAt(rng.int(h), rng.int(w)));
    }
  }
  return {
    metric: 'masscentre-ablation',
    scores: Float64Array.from(y, (c) => auc(c, x)),
    curves: { xLabel: 'box size (fraction of the largest)', yLabel: `${output} / original`, x, y, control: o.control ? control : undefined },
    details: { substrate: o.substrate, controlScores: o.control ? control.map((c) => auc(c, x)) : undefined },
  };
}

export const descriptor = defineMetric({
  name: 'masscentre-ablation',
  aliases: ['masscentreablation', 'mass-centre-ablation', 'center-of-mass-ablation'],
  title: 'Mass-centre box ablation',
  family: 'faithfulness',
  summary: "The target's logit as a fraction of the original as growing boxes around the map's centre of mass are imputed, beside a random-centre control (Sturmfels et al. 2020)",
  higherIsBetter: false,
  needs: {},
  options: MASSCENTRE_OPTIONS,
  random: (o) => o.control,
  cost: (n, o) => n * (1 + (o.steps + 1) * (o.control ? 2 : 1)),
  run: (model, input, attribution, options, context) => massCentreAblation(model, input, attribution, { ...options, ...callOf(context) }),
  order: 31,
});
