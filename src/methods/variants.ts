/**
 * The machinery behind wrappers (smoothGrad, averageOverBaselines): each input e is
 * expanded into k variants (a noisy copy, the input with a drawn baseline ...), the
 * inner method runs on groups of variants (so its model calls stay full and memory
 * stays bounded by one group), and each variant's attribution is handed back.
 */
import type { Model, Target } from '../engine/model.js';
import { rngFor } from '../random.js';
import type { Attribution, CommonOptions, Method, Timings } from './attribution.js';
import { addTimings, remapTarget } from './runner.js';

export interface VariantPlan<O extends CommonOptions> {
  model: Model;
  n: number;
  per: number;
  samples: number;
  /** Variants per inner call. */
  group: number;
  target: Target;
  method: Method<O>;
  /** Inner options (target and batch size are set here; a per-input baseline tensor is expanded). */
  options: O;
  /** Seed from which each group's inner seed is derived. */
  seed: number;
  /** Write variant s of input e (called in order e = 0.., s = 0..). */
  makeInput(e: number, s: number, dest: Float32Array): void;
  /** A baseline for the variant (averageOverBaselines); overrides options.baseline. */
  makeBaseline?(e: number, s: number, dest: Float32Array): void;
  consume(e: number, s: number, values: Float32Array, delta: number | undefined): void;
}

export async function runVariants<O extends CommonOptions>(plan: VariantPlan<O>, timings: Timings): Promise<Attribution | undefined> {
  const { n, per, samples: k, group } = plan;
  const total = n * k;
  const opts = plan.options as O & { baseline?: unknown };
  const perInputBaseline = opts.baseline instanceof Float32Array && opts.baseline.length === n * per && n > 1 ? opts.baseline : undefined;
  let last: Attribution | undefined;
  for (let start = 0, g = 0; start < total; start += group, g++) {
    const m = Math.min(group, total - start);
    const inputs = new Float32Array(m * per);
    const baselines = plan.makeBaseline || perInputBaseline ? new Float32Array(m * per) : undefined;
    for (let i = 0; i < m; i++) {
      const e = Math.floor((start + i) / k);
      const s = (start + i) % k;
      plan.makeInput(e, s, inputs.subarray(i * per, (i + 1) * per));
      if (plan.makeBaseline) plan.makeBaseline(e, s, baselines!.subarray(i * per, (i + 1) * per));
      else if (perInputBaseline) baselines!.set(perInputBaseline.subarray(e * per, (e + 1) * per), i * per);
    }
    const inner: O = {
      ...plan.options,
      target: remapTarget(plan.target, (i) => Math.floor((start + i) / k)),
      ...(baselines ? { baseline: baselines } : {}),
      seed: rngFor(plan.seed, 0x5eed, g).uint32(),
    };
    const r = await plan.method(plan.model, inputs, inner);
    addTimings(timings, r.timings);
    for (let i = 0; i < m; i++) {
      plan.consume(Math.floor((start + i) / k), (start + i) % k, r.values.subarray(i * per, (i + 1) * per), r.delta?.[i]);
    }
    last = r;
  }
  return last;
}
