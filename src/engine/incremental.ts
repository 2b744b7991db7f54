/**
 * Incremental inference for patched images (Krypton, Nakandala et al. 2019): an image that
 * differs from a base image only inside a box changes the local prefix's activations
 * (graph/localPrefix.ts) only at the positions whose receptive field meets the box. So the
 * prefix runs on a CROP around the box, those positions are pasted into the base image's
 * activation of the cut tensor T, and only the rest of the graph runs on the full tensor.
 *
 * Crop geometry, per axis: the crop has one size per chunk of boxes run together, its origin is a multiple of T's
 * jump (then crop position j of every prefix layer is full position j + origin / jump of that
 * layer) and is clamped into the image, and image size - crop size is a multiple of the jump
 * (so a crop against the far border ends where the image ends and the model's own padding is
 * the real one). A pasted position's field lies inside the crop, or goes past a crop side
 * that is the image's side: its value is the full run's, to float32 rounding.
 */
import type { AxisGeometry, LocalPrefix, PrefixCut } from '../graph/localPrefix.js';
import type { ImageBox } from './model.js';

/** Skip the incremental route when it saves less than this fraction of the work. */
export const MIN_GAIN = 0.15;
/**
 * The cost model's two empirical constants (with graph/localPrefix.ts ELEMENT_WORK), fitted on
 * mobilenet_v2 occlusion timed through each candidate cut (bench/incremental-check.ts --cuts):
 * a prefix run on crops costs about twice its share of pixels (small maps run less
 * efficiently; the crop of a call is the largest of its boxes'), and each element of the cut
 * tensor about 400 multiply-accumulates per patch (copied from the base, pasted, fed to the suffix).
 */
export const CROP_OVERHEAD = 2;
export const CUT_ELEMENT_WORK = 400;

export interface AxisCrops {
  /** Crop size along the axis (image pixels). */
  size: number;
  /** Per box: the crop origin (a multiple of the jump). */
  origins: Int32Array;
  /** Per box: the affected positions of T, [from[k], to[k]). */
  from: Int32Array;
  to: Int32Array;
}

export interface CropPlan {
  cut: PrefixCut;
  rows: AxisCrops;
  cols: AxisCrops;
  /** Estimated work relative to full runs (1 = no gain). */
  relativeCost: number;
}

/** Crops along one axis for boxes [starts[k], starts[k] + lengths[k]) of an axis of `full` pixels; T has `cells` positions. */
export function axisCrops(g: AxisGeometry, full: number, cells: number, starts: readonly number[], lengths: readonly number[]): AxisCrops {
  const count = starts.length;
  const from = new Int32Array(count);
  const to = new Int32Array(count);
  const lo = new Int32Array(count);
  const hi = new Int32Array(count);
  let need = 1;
  for (let k = 0; k < count; k++) {
    // position i reads [i j + o, i j + o + R): it meets [y, y + h) when y - o - R < i j < y + h - o
    from[k] = Math.max(0, Math.floor((starts[k] - g.offset - g.field) / g.jump) + 1);
    to[k] = Math.min(cells, Math.ceil((starts[k] + lengths[k] - g.offset) / g.jump));
    lo[k] = Math.max(0, from[k] * g.jump + g.offset);
    hi[k] = Math.min(full, (to[k] - 1) * g.jump + g.offset + g.field);
    need = Math.max(need, hi[k] - alignDown(lo[k], g.jump));
  }
  const size = Math.min(full, full - g.jump * Math.floor((full - need) / g.jump));
  const origins = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    origins[k] = Math.max(0, Math.min(alignDown(lo[k], g.jump), full - size));
    const inside = (origins[k] <= lo[k] || origins[k] === 0) && (origins[k] + size >= hi[k] || origins[k] + size === full);
    if (!inside || origins[k] % g.jump !== 0) throw new Error(`internal: crop [${origins[k]}, +${size}) misses the field [${lo[k]}, ${hi[k]})`);
  }
  return { size, origins, from, to };
}

function alignDown(v: number, jump: number): number {
  return Math.floor(v / jump) * jump;
}

/** Boxes start .. start + count - 1 of a call, run through the prefix together: their crops share one size. */
export interface ChunkCrops {
  start: number;
  count: number;
  rows: AxisCrops;
  cols: AxisCrops;
}

export interface ChunkedPlan {
  cut: PrefixCut;
  chunks: ChunkCrops[];
  /** Estimated work relative to full runs (1 = no gain). */
  relativeCost: number;
}

/** Chunks of at most `max` of `total` items, as even as possible (49 at 16: 12, 12, 12, 13). */
export function evenChunks(total: number, max: number): { start: number; count: number }[] {
  const parts = Math.ceil(total / Math.max(1, max));
  const out: { start: number; count: number }[] = [];
  for (let p = 0, start = 0; p < parts; p++) {
    const count = Math.floor((total * (p + 1)) / parts) - Math.floor((total * p) / parts);
    out.push({ start, count });
    start += count;
  }
  return out;
}

/**
 * The cheapest cut for these boxes of an image [C, height, width], sent through the prefix
 * `chunk` at a time (each chunk's crop is the size its largest box needs), or undefined when
 * the estimated work is not at least `minGain` below full runs (-Infinity: any cut).
 */
export function planChunkedCrops(
  prefix: LocalPrefix, height: number, width: number, boxes: readonly ImageBox[], chunk: number, minGain = MIN_GAIN,
): ChunkedPlan | undefined {
  if (boxes.length === 0) return undefined;
  let best: ChunkedPlan | undefined;
  const parts = evenChunks(boxes.length, chunk);
  for (const cut of prefix.cuts) {
    let area = 0;
    const chunks = parts.map(({ start, count }) => {
      const some = boxes.slice(start, start + count);
      const rows = axisCrops(cut.geometry.rows, height, cut.shape[1], some.map((b) => b.y), some.map((b) => b.h));
      const cols = axisCrops(cut.geometry.cols, width, cut.shape[2], some.map((b) => b.x), some.map((b) => b.w));
      area += count * rows.size * cols.size;
      return { start, count, rows, cols };
    });
    const fraction = area / Math.max(1, boxes.length) / (height * width);
    const cost = cut.prefixCost * fraction * CROP_OVERHEAD + (prefix.totalCost - cut.prefixCost) + cut.shape.reduce((a, b) => a * b, 1) * CUT_ELEMENT_WORK;
    const relativeCost = cost / prefix.totalCost;
    if (!best || relativeCost < best.relativeCost) best = { cut, chunks, relativeCost };
  }
  return best && best.relativeCost <= 1 - minGain ? best : undefined;
}

/**
 * The cheapest cut for these boxes of an image [C, height, width] sent through the prefix
 * together (the crop is the size the largest box needs), or undefined when the estimated
 * work is not at least `minGain` below full runs (-Infinity: any cut).
 */
export function planCrops(prefix: LocalPrefix, height: number, width: number, boxes: readonly ImageBox[], minGain = MIN_GAIN): CropPlan | undefined {
  const plan = planChunkedCrops(prefix, height, width, boxes, boxes.length, minGain);
  return plan && { cut: plan.cut, rows: plan.chunks[0].rows, cols: plan.chunks[0].cols, relativeCost: plan.relativeCost };
}

/**
 * Copy T's affected positions [fromRow, toRow) x [fromCol, toCol) from the crop run's T
 * ([C, cropRows, cropCols], crop position 0 = full position originRow / jump) into dest,
 * which holds the base image's T ([C, rows, cols]).
 */
export function pasteAffected(
  crop: Float32Array, cropRows: number, cropCols: number,
  dest: Float32Array, shape: readonly number[],
  origin: { row: number; col: number }, range: { fromRow: number; toRow: number; fromCol: number; toCol: number },
): void {
  const [channels, rows, cols] = shape;
  const width = range.toCol - range.fromCol;
  if (range.toRow - origin.row > cropRows || range.toCol - origin.col > cropCols || range.fromRow < origin.row || range.fromCol < origin.col) {
    throw new Error(`internal: affected positions [${range.fromRow}, ${range.toRow}) x [${range.fromCol}, ${range.toCol}) fall outside the crop run`);
  }
  if (width <= 0) return;
  for (let c = 0; c < channels; c++) {
    for (let i = range.fromRow; i < range.toRow; i++) {
      const src = (c * cropRows + i - origin.row) * cropCols + range.fromCol - origin.col;
      dest.set(crop.subarray(src, src + width), (c * rows + i) * cols + range.fromCol);
    }
  }
}
