/**
 * What every propagation method does with the model: the input "gradient" of the target
 * under a backward rule set other than the plain gradient (guided, deconvnet, an LRP
 * composite ...), streamed through model.run in chunks of batchSize.
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { Runner, remapTarget } from '../runner.js';

export interface Propagated {
  /** d_rule target / d input, [n, ...inputShape]. */
  values: Float32Array;
  /** The target value per input. */
  targetValues: Float32Array;
  runner: Runner;
}

/** Input "gradients" of the target under the named rule set. */
export async function propagate(model: Model, input: Float32Array, rule: string, options: CommonOptions): Promise<Propagated> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  await runner.resolveTarget(options.target, input);
  const per = runner.per;
  const values = new Float32Array(n * per);
  const targetValues = new Float32Array(n);
  for (let start = 0; start < n; start += runner.batch) {
    const m = Math.min(runner.batch, n - start);
    const t0 = performance.now();
    const r = await model.run(input.subarray(start * per, (start + m) * per), {
      gradients: { seed: remapTarget(runner.target, (i) => start + i), wrt: ['input'], rule },
    });
    runner.timings.modelMs += performance.now() - t0;
    runner.timings.modelCalls++;
    runner.timings.backwardExamples += m;
    values.set(r['grad:input'], start * per);
    targetValues.set(r['target'], start);
  }
  return { values, targetValues, runner };
}

/** The Attribution of a propagation method. */
export function propagationResult(model: Model, p: Propagated, method: string, params: Record<string, unknown>, delta?: Float32Array): Attribution {
  const n = p.targetValues.length;
  return {
    values: p.values,
    shape: [n, ...model.inputShape],
    method,
    params: { ...params, batchSize: p.runner.batch },
    target: p.runner.target.label,
    ...(delta ? { delta } : {}),
    timings: p.runner.finish(),
  };
}
