/**
 * The fragility attack as the report shows it (Ghorbani et al. 2019): per method and input,
 * the perturbed input beside the original map and the map of the perturbed input (one
 * signed colour scale for both), captioned with the top-k intersection, Spearman's rank
 * correlation and the centre-of-mass shift. Read from the metric's `details.inputs`.
 */
import { inputSpace, type Preprocessing } from '../baselines/index.js';
import type { Evaluation } from '../metrics/evaluate.js';
import type { ReportFigure } from '../report/types.js';
import { heatmap, inputImage } from '../viz/index.js';
import { dataUri } from './pictures.js';

interface AttackDetail {
  spearman: number;
  centreShift: number;
  perturbed: number[];
  originalMap: number[];
  perturbedMap: number[];
}

export interface AttackFigureOptions {
  inputShape: readonly number[];
  preprocessing?: Preprocessing;
  /** Input names (captions). */
  names: readonly string[];
  /** Column titles by method id. */
  titles?: Record<string, string>;
  /** Inputs drawn per method (default 4): the report stays light. */
  maxInputs?: number;
}

/** One figure per (method, input) for the fragility results of an evaluation (none without them). */
export async function attackFigures(e: Evaluation, o: AttackFigureOptions): Promise<ReportFigure[]> {
  const space = inputSpace([...o.inputShape], o.preprocessing);
  if (space.spatial.dims.length !== 2 || (space.channels !== 1 && space.channels !== 3)) return [];
  const [h, w] = space.spatial.dims;
  const out: ReportFigure[] = [];
  for (const method of e.methods) {
    const r = e.results[method]?.['fragility'];
    const inputs = r?.details?.['inputs'] as AttackDetail[] | undefined;
    if (!r || !inputs) continue;
    for (const [i, d] of inputs.slice(0, o.maxInputs ?? 4).entries()) {
      const pixels = space.toPixels(Float32Array.from(d.perturbed));
      const picture = inputImage(pixels, space.shape, { layout: space.layout === 'flat' ? undefined : space.layout, range: space.pixelRange });
      let cap = 0;
      for (const v of [...d.originalMap, ...d.perturbedMap]) cap = Math.max(cap, Math.abs(v));
      const map = async (values: number[]) => (await dataUri(heatmap(Float32Array.from(values), [h, w], { signed: true, cap: cap || 1, percentile: 100 }).image, { minSide: 160 })).href;
      out.push({
        metric: 'fragility',
        title: `${o.titles?.[method] ?? method} · ${o.names[i] ?? `x[${i}]`}`,
        caption: `top-k intersection ${r.scores[i].toFixed(3)}, Spearman ${d.spearman.toFixed(3)}, centre of mass moved ${d.centreShift.toFixed(2)} px`,
        images: [
          { label: 'perturbed input', src: (await dataUri(picture, { minSide: 160 })).href },
          { label: 'map of the input', src: await map(d.originalMap) },
          { label: 'map of the perturbed input', src: await map(d.perturbedMap) },
        ],
      });
    }
  }
  return out;
}
