/**
 * The Integrated Gradients path figure of a session's first rows (the report's "along
 * the path" plots): the straight-line path data under the first deterministic baseline.
 */
import { isRandom } from '../baselines/baseline.js';
import { parseBaseline, type BaselineSpec } from '../baselines/spec.js';
import { sizeOfShape } from '../engine/model.js';
import { integratedGradientsPath, type PathData } from '../methods/integratedGradientsPath.js';
import { baselineFor, type Session } from './session.js';

/** The first deterministic baseline given (the path figure's), or black. */
export async function pathBaseline(session: Session, baselines: readonly BaselineSpec[], seed: number): Promise<BaselineSpec> {
  for (const b of baselines) if (!isRandom((await baselineFor(session, b, seed)).baseline)) return b;
  return parseBaseline('black');
}

/** Evaluations of the path figure of `rows` inputs at `steps`, for the progress bar. */
export function pathCost(rows: number, steps: number): number {
  return rows * (steps + 1);
}

export async function pathsFor(session: Session, rows: readonly number[], spec: BaselineSpec, o: { seed: number; batchSize?: number; steps: number }): Promise<PathData> {
  const per = sizeOfShape(session.opened.model.inputShape);
  const sub = new Float32Array(rows.length * per);
  rows.forEach((e, k) => sub.set(session.batch.subarray(e * per, (e + 1) * per), k * per));
  const built = await baselineFor(session, spec, o.seed);
  session.progress.setLabel(`path (${spec.text})`);
  return integratedGradientsPath(session.model, sub, {
    target: rows.map((e) => session.classes[e]),
    baseline: built.baseline,
    preprocessing: session.space,
    grid: 6,
    steps: o.steps,
    seed: o.seed,
    batchSize: o.batchSize,
  });
}
