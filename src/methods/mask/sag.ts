/**
 * Structured Attention Graphs (Shitole et al., NeurIPS 2021; viv92/structured-attention-graphs).
 * The image is cut into a grid of patches (7x7). A set of patches is scored by the target's
 * probability on the image with only those patches kept (the binary patch mask upsampled
 * bilinearly, as the reference, the rest replaced by the baseline). A beam search, adding
 * one patch at a time in the order of a priority map, finds minimal sufficient explanations
 * (roots: sets scoring >= threshold x the full image's probability from which no patch can
 * be dropped); a maximal subset of roots overlapping in at most `overlap` patches is kept
 * (the reference's subset selection) and the first `roots` shown; from each, children drop
 * one patch at a time, and nodes below `expandBelow` x the full probability are not expanded.
 * Forward passes only; every set of a step is scored in batches of `batchSize`.
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import type { Preprocessing } from '../../engine/space.js';
import { constantBaseline } from '../../baselines/constant.js';
import { drawBaselines, type Baseline } from '../../baselines/baseline.js';
import { rngFor } from '../../random.js';
import { geometry, type Geometry } from '../../metrics/features.js';
import { Runner } from '../runner.js';
import { probabilityTarget } from './common.js';
import { Upsampler } from './upsample.js';
import { igos } from './igos.js';
import { diverseRoots } from './sagSubsets.js';

export const SAG_DEFAULTS = {
  patches: 7,
  threshold: 0.9,
  expandBelow: 0.4,
  beamWidth: 3,
  successors: 15,
  maxRoots: 10,
  overlap: 1,
  roots: 3,
  /** Largest patch set the search grows to (the reference's maxRootSize). */
  maxSize: 49,
  /** Largest graph: expansion stops once this many nodes exist (subsets of a large root grow combinatorially). */
  maxNodes: 400,
  /** Model evaluations the root search may spend (it stops, `exhausted`, when they run out). */
  maxEvaluations: 5000,
  heuristic: 'insertion' as 'insertion' | 'igos',
};

export interface SagOptions extends Partial<typeof SAG_DEFAULTS> {
  /** A class index (default: the top class); the probability of that class is explained. */
  target?: number;
  /** What replaces removed patches; default black (the reference's setting). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Patch priority for the search (higher first), overriding `heuristic`. */
  priority?: ArrayLike<number>;
  batchSize?: number;
  seed?: number;
}

export interface SagNode {
  id: number;
  /** Patch indices (row * patches + col), ascending. */
  patches: number[];
  /** Target probability with only these patches kept, and relative to the full image. */
  score: number;
  relative: number;
  parents: number[];
  children: number[];
  root: boolean;
}

export interface SagGraph {
  grid: [number, number];
  target: string;
  fullScore: number;
  /** Every minimal sufficient explanation the search found, in the order found. */
  allRoots: number[][];
  /** Node ids of the roots shown (the diverse subset). */
  roots: number[];
  nodes: SagNode[];
  threshold: number;
  expandBelow: number;
  /** Whether expansion stopped at maxNodes before every node >= expandBelow was expanded. */
  truncated: boolean;
  /** Whether the root search stopped because it spent maxEvaluations. */
  exhausted: boolean;
  /** Whether the baseline alone (no patch) already keeps the threshold: then there is nothing to explain. */
  baselineSufficient: boolean;
  forwardExamples: number;
  ms: number;
}

const key = (s: readonly number[]) => s.join(',');

/** Scores patch sets, in batches, remembering every score. */
class SetScorer {
  readonly cache = new Map<string, number>();
  private readonly up: Upsampler;
  constructor(
    private readonly runner: Runner,
    private readonly g: Geometry,
    private readonly x: Float32Array,
    private readonly b: Float32Array,
    readonly rows: number,
    readonly cols: number,
  ) {
    this.up = new Upsampler(rows, cols, g.hw[0], g.hw[1]);
  }
  async score(sets: number[][]): Promise<number[]> {
    const todo = [...new Map(sets.filter((s) => !this.cache.has(key(s))).map((s) => [key(s), s])).values()];
    const { runner, g } = this;
    const per = runner.per;
    const buffer = new Float32Array(Math.min(Math.max(todo.length, 1), runner.batch) * per);
    const grid = new Float64Array(this.rows * this.cols);
    for (let start = 0; start < todo.length; start += runner.batch) {
      const m = Math.min(runner.batch, todo.length - start);
      for (let i = 0; i < m; i++) {
        grid.fill(0);
        for (const p of todo[start + i]) grid[p] = 1;
        const u = this.up.up(grid);
        const dest = buffer.subarray(i * per, (i + 1) * per);
        for (let q = 0; q < g.positions; q++) for (let c = 0; c < g.channels; c++) {
          const el = g.element(q, c);
          dest[el] = this.x[el] * u[q] + this.b[el] * (1 - u[q]);
        }
      }
      const v = await runner.values(buffer.subarray(0, m * per), () => 0);
      for (let i = 0; i < m; i++) this.cache.set(key(todo[start + i]), v[i]);
    }
    return sets.map((s) => this.cache.get(key(s))!);
  }
}

/** Drop patches while the set stays sufficient: the reference's sequential passes, each pass's trials batched. */
async function minimise(scorer: SetScorer, set: number[], enough: number): Promise<number[]> {
  let current = set;
  for (let changed = true; changed; ) {
    changed = false;
    const order = [...current];
    let from = 0;
    while (from < order.length) {
      const trials = order.slice(from).filter((p) => current.includes(p)).map((p) => ({ p, s: current.filter((q) => q !== p) }));
      if (trials.length === 0) break;
      const scores = await scorer.score(trials.map((t) => t.s));
      const hit = scores.findIndex((v) => v >= enough);
      if (hit < 0) break;
      current = trials[hit].s;
      changed = true;
      from = order.indexOf(trials[hit].p) + 1;
    }
  }
  return current;
}

export async function structuredAttentionGraph(model: Model, image: Float32Array, options: SagOptions = {}): Promise<SagGraph> {
  const o = { ...SAG_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof SAG_DEFAULTS & SagOptions;
  if (countExamples(image, model.inputShape) !== 1) throw new Error('structuredAttentionGraph explains one image at a time: pass a single example');
  if (!(o.threshold > 0 && o.threshold <= 1) || !(o.expandBelow >= 0 && o.expandBelow <= o.threshold)) throw new Error(`need 0 < expandBelow <= threshold <= 1, got ${o.expandBelow}, ${o.threshold}`);
  const t0 = performance.now();
  const g = geometry(model, o.preprocessing);
  const runner = new Runner(model, { batchSize: o.batchSize });
  const target = await probabilityTarget(runner, o.target, image, 1);
  const [h, w] = g.hw;
  const rows = Math.min(o.patches, h), cols = Math.min(o.patches, w), P = rows * cols;
  const b = o.baseline === undefined ? constantBaseline(g.space, 'black') : drawBaselines(o.baseline, image, g.space.size, (e) => rngFor(o.seed ?? 0, e));
  const scorer = new SetScorer(runner, g, image, b, rows, cols);
  const full = (await runner.values(image, () => 0))[0];
  const enough = o.threshold * full;

  let priority: ArrayLike<number> | undefined = o.priority;
  if (priority === undefined && o.heuristic === 'igos') {
    const a = await igos(model, image, { size: o.patches, target: o.target, preprocessing: o.preprocessing, batchSize: o.batchSize, seed: o.seed, curveSteps: 0 });
    priority = Float64Array.from(a.masks, (m) => 1 - m);
  }
  priority ??= await scorer.score(Array.from({ length: P }, (_, p) => [p]));
  if (priority.length !== P) throw new Error(`the patch priority holds ${priority.length} values for ${P} patches`);
  const byPriority = Array.from({ length: P }, (_, p) => p).sort((a, c) => priority![c] - priority![a] || a - c);

  // beam search for minimal sufficient explanations (none when the baseline alone is sufficient)
  const allRoots: number[][] = [];
  const baselineSufficient = (await scorer.score([[]]))[0] >= enough;
  let beams: number[][] = baselineSufficient ? [] : [[]];
  let exhausted = false;
  const spent = () => (exhausted ||= runner.timings.forwardExamples >= o.maxEvaluations);
  for (let size = 1; size <= Math.min(P, o.maxSize) && beams.length > 0 && allRoots.length <= o.maxRoots && !spent(); size++) {
    const seen = new Set<string>();
    const candidates: number[][] = [];
    for (const beam of beams) {
      for (const p of byPriority.filter((q) => !beam.includes(q)).slice(0, o.successors)) {
        const c = [...beam, p].sort((a, d) => a - d);
        if (!seen.has(key(c))) seen.add(key(c)), candidates.push(c);
      }
    }
    const scores = await scorer.score(candidates);
    const ranked = candidates.map((c, i) => ({ c, s: scores[i] })).sort((a, d) => d.s - a.s);
    beams = [];
    for (const { c, s } of ranked) {
      if (spent()) break;
      if (s >= enough) {
        const root = await minimise(scorer, c, enough);
        if (!allRoots.some((r) => key(r) === key(root))) allRoots.push(root);
      } else if (beams.length < o.beamWidth) beams.push(c);
      else break;
    }
  }

  // the graph: diverse roots, children dropping one patch, expanded while >= expandBelow
  const nodes: SagNode[] = [];
  const ids = new Map<string, number>();
  const node = (patches: number[], score: number, parent?: number) => {
    let id = ids.get(key(patches));
    if (id === undefined) {
      id = nodes.length;
      ids.set(key(patches), id);
      nodes.push({ id, patches, score, relative: score / full, parents: [], children: [], root: parent === undefined });
    }
    if (parent !== undefined && !nodes[id].parents.includes(parent)) nodes[id].parents.push(parent), nodes[parent].children.push(id);
    return id;
  };
  const shown = diverseRoots(allRoots, o.overlap).slice(0, o.roots);
  const rootScores = await scorer.score(shown);
  const roots = shown.map((r, i) => node(r, rootScores[i]));
  let level = roots;
  let truncated = false;
  while (level.length > 0) {
    const expand = level.filter((id) => nodes[id].relative >= o.expandBelow && nodes[id].patches.length > 1 && nodes[id].children.length === 0);
    const kids: Array<{ parent: number; s: number[] }> = [];
    for (const id of expand) {
      if (nodes.length + kids.length + nodes[id].patches.length > o.maxNodes) {
        truncated = true;
        break;
      }
      for (const p of nodes[id].patches) kids.push({ parent: id, s: nodes[id].patches.filter((q) => q !== p) });
    }
    const scores = await scorer.score(kids.map((k) => k.s));
    const next = new Set<number>();
    kids.forEach((k, i) => next.add(node(k.s, scores[i], k.parent)));
    level = [...next];
  }
  return {
    grid: [rows, cols],
    target: target.label,
    fullScore: full,
    allRoots,
    roots,
    nodes,
    threshold: o.threshold,
    expandBelow: o.expandBelow,
    truncated,
    exhausted,
    baselineSufficient,
    forwardExamples: runner.timings.forwardExamples,
    ms: performance.now() - t0,
  };
}
