/**
 * `saliency sag` and `saliency sag-stats` without the command line: Structured Attention
 * Graphs of image files (as SagGraph JSON and SVG), and their dataset-level statistics for
 * one or more models side by side (Jiang et al. 2024).
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { structuredAttentionGraph, SAG_DEFAULTS, type SagGraph } from '../methods/mask/sag.js';
import { sagDatasetStats, sagImageStats, type SagDatasetStats } from '../methods/mask/sagStats.js';
import { sagSvg } from '../viz/sag.js';
import { sizeOfShape } from '../engine/model.js';
import type { PreprocessingFlags } from '../io/preprocess.js';
import { openSession } from './session.js';
import { BadInputError, UsageError } from './errors.js';
import { parseBatchSize } from './request.js';
import type { ProgressSink } from './progress.js';

export interface SagRequest {
  model: string;
  images: readonly string[];
  target?: string;
  patches?: number | string;
  threshold?: number | string;
  heuristic?: string;
  /** Search and graph bounds (library callers, e.g. the demo's budget); defaults SAG_DEFAULTS. */
  search?: Partial<Pick<typeof SAG_DEFAULTS, 'beamWidth' | 'successors' | 'maxRoots' | 'roots' | 'maxSize' | 'maxNodes' | 'maxEvaluations'>>;
  batchSize?: number | string;
  preprocessing?: PreprocessingFlags;
  progress?: ProgressSink;
}

export interface SagImage {
  name: string;
  graph: SagGraph;
  svg: string;
}

function numberFlag(text: number | string | undefined, name: string, fallback: number, ok: (v: number) => boolean, range: string): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!ok(v)) throw new UsageError(`--${name} must be ${range}, got '${text}'`);
  return v;
}

export async function sagImages(o: SagRequest): Promise<SagImage[]> {
  const patches = numberFlag(o.patches, 'patches', SAG_DEFAULTS.patches, (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'an integer from 1 to 64');
  const threshold = numberFlag(o.threshold, 'threshold', SAG_DEFAULTS.threshold, (v) => v > 0 && v <= 1, 'in (0, 1]');
  const heuristic = (o.heuristic ?? SAG_DEFAULTS.heuristic) as 'insertion' | 'igos';
  if (!['insertion', 'igos'].includes(heuristic)) throw new UsageError(`--heuristic must be insertion or igos, got '${o.heuristic}'`);
  const batchSize = parseBatchSize(o.batchSize);
  const session = await openSession({ model: o.model, images: o.images, target: o.target, batchSize, preprocessing: o.preprocessing, progress: o.progress });
  try {
    const per = sizeOfShape(session.model.inputShape);
    const out: SagImage[] = [];
    for (let e = 0; e < session.names.length; e++) {
      const x = session.batch.subarray(e * per, (e + 1) * per);
      const graph = await structuredAttentionGraph(session.model, x, {
        ...o.search, target: session.classes[e], patches, threshold, heuristic, batchSize, preprocessing: session.space,
        expandBelow: Math.min(SAG_DEFAULTS.expandBelow, threshold),
      });
      const label = session.labels?.[session.classes[e]] ?? `class ${session.classes[e]}`;
      const svg = sagSvg(graph, session.images![e].picture, { title: `${session.names[e]}: ${label} (p = ${graph.fullScore.toFixed(3)})` });
      out.push({ name: session.names[e], graph, svg });
    }
    return out;
  } finally {
    await session.opened.dispose();
  }
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp']);

/** The image files of a folder, sorted by name. */
export function imagesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new BadInputError(`cannot read image folder ${dir}`);
  }
  const files = names.filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort().map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
  if (files.length === 0) throw new BadInputError(`no images (${[...IMAGE_EXTENSIONS].join(', ')}) in ${dir}`);
  return files;
}

export interface SagStatsRequest extends Omit<SagRequest, 'model' | 'images'> {
  models: readonly string[];
  images: string;
  /** At most this many images of the folder. */
  limit?: number | string;
}

export async function sagStats(o: SagStatsRequest): Promise<SagDatasetStats[]> {
  if (o.models.length === 0) throw new UsageError('give at least one --model');
  let files = imagesIn(o.images);
  if (o.limit !== undefined) files = files.slice(0, numberFlag(o.limit, 'limit', files.length, (v) => Number.isInteger(v) && v >= 1, 'a positive integer'));
  const out: SagDatasetStats[] = [];
  for (const model of o.models) {
    const results = await sagImages({ ...o, model, images: files });
    out.push(sagDatasetStats(model, results.map((r) => sagImageStats(r.name, r.graph))));
  }
  return out;
}
