/**
 * Structured Attention Graphs and their dataset statistics in the HTML report: figure
 * blocks (the graph SVGs; the side-by-side histograms with one line of numbers per model),
 * and the stand-alone report page `saliency sag` / `saliency sag-stats` write beside their JSON.
 */
import type { SagDatasetStats } from '../methods/mask/sagStats.js';
import type { SagGraph } from '../methods/mask/sag.js';
import { sagStatsSvg } from '../viz/sagStats.js';
import { environment, renderReport, type ReportFigures } from '../report/index.js';
import { legendBars } from './pictures.js';

/** One line per graph: roots found, shown, nodes, evaluations, time. */
export function sagCaption(name: string, g: SagGraph): string {
  if (g.baselineSufficient) return `${name}: the baseline alone keeps ${(100 * g.threshold).toFixed(0)}% of the probability: nothing to explain.`;
  return (
    `${name}: ${g.allRoots.length} minimal sufficient explanation${g.allRoots.length === 1 ? '' : 's'} found` +
    `${g.exhausted ? ' (search stopped at its evaluation budget)' : ''}, ${g.roots.length} shown; ${g.nodes.length} nodes${g.truncated ? ' (graph truncated)' : ''}; ` +
    `${g.forwardExamples.toLocaleString('en-US')} model evaluations, ${(g.ms / 1000).toFixed(1)} s.`
  );
}

export const SAG_DESCRIPTION =
  'Structured Attention Graphs (Shitole et al. 2021): each root is a minimal set of patches that alone (the rest black) keeps at least the threshold share of the ' +
  "image's probability; below a root, each child drops one patch, and the number is the probability kept relative to the full image. Nodes below the expansion threshold are not expanded.";

export function sagFigures(id: string, title: string, graphs: Array<{ name: string; graph: SagGraph; svg: string }>, notes: string[] = []): ReportFigures {
  const g0 = graphs[0]?.graph;
  const settings = g0 ? [`Grid ${g0.grid[0]}×${g0.grid[1]}, threshold ${g0.threshold}, expansion stops below ${g0.expandBelow} of the full probability.`] : [];
  return { id, title, description: SAG_DESCRIPTION, figures: graphs.map((x) => ({ svg: x.svg, caption: sagCaption(x.name, x.graph) })), notes: [...settings, ...notes] };
}

export function sagStatsFigures(stats: readonly SagDatasetStats[]): ReportFigures {
  return {
    id: 'sag-stats',
    title: 'Minimal sufficient explanations over a dataset',
    description:
      'Jiang et al. (CVPR 2024): per model, how many minimal sufficient explanations each image has and how large they are. Many small roots: the model can decide from several ' +
      'small parts of the image; few large ones: it needs much of the object at once.',
    figures: [{ svg: sagStatsSvg(stats), caption: 'Left: images per number of roots found; right: roots per size (patches). One colour per model.' }],
    notes: stats.map(
      (s) =>
        `${s.model}: ${s.images.length} images, ${s.meanRoots.toFixed(2)} roots per image, ${s.meanRootSize.toFixed(2)} patches per root, ` +
        `the roots together cover ${(100 * s.meanCoverage).toFixed(1)}% of the image on average; ${s.withoutRoots} image${s.withoutRoots === 1 ? '' : 's'} without a root.`,
    ),
  };
}

/** A report page holding only figure blocks. */
export async function figuresReport(title: string, command: string, figures: ReportFigures[], totalMs?: number): Promise<string> {
  return renderReport({ title, generated: new Date().toISOString(), command, environment: environment(), totalMs, sections: [], figures, legend: await legendBars() });
}
