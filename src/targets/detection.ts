/**
 * Detection targets (DExT, Padmanabhan et al. 2022): the class score of one detection and
 * each of its box coordinates, as scalar functions of a detector's output. The output of one
 * example is read as `detections` rows of `stride` values: a box (4 values), optionally an
 * objectness score, then one score per class (YOLO / DETR-style heads after decoding).
 * A detection is chosen once, on the explained input's own output (`selectDetection`), so
 * every point of a path or perturbation explains the same detection.
 */
import type { Target } from '../engine/model.js';

export type BoxFormat = 'xyxy' | 'xywh' | 'cxcywh';
export type BoxCoordinate = 'x1' | 'y1' | 'x2' | 'y2';
export const BOX_COORDINATES: readonly BoxCoordinate[] = ['x1', 'y1', 'x2', 'y2'];
/** [x1, y1, x2, y2] */
export type Box = readonly [number, number, number, number];

export interface DetectionLayout {
  /** Number of detection rows per example. */
  detections: number;
  /** Values per row. */
  stride: number;
  /** Offset of the 4 box values in a row (default 0) and their format (default xyxy). */
  box?: number;
  boxFormat?: BoxFormat;
  /** Offset of an objectness score multiplied into every class score (YOLOv5-style), if any. */
  objectness?: number;
  /** Offset of the first class score (default: right after the box and objectness). */
  scores?: number;
  /** Number of class scores (default: the rest of the row). */
  classes?: number;
  /** Offset of a class-id column (CenterNet-style rows: box, score, class id): one score, its class read here. */
  classId?: number;
}

interface Resolved { detections: number; stride: number; box: number; format: BoxFormat; objectness: number | undefined; scores: number; classes: number; classId: number | undefined }

function resolve(l: DetectionLayout): Resolved {
  const box = l.box ?? 0;
  const scores = l.scores ?? Math.max(box + 4, l.objectness === undefined ? 0 : l.objectness + 1);
  const classes = l.classId !== undefined ? 1 : l.classes ?? l.stride - scores;
  if (classes < 1 || scores + classes > l.stride || box + 4 > l.stride) {
    throw new Error(`detection layout does not fit a row of ${l.stride} values (box at ${box}, ${classes} class scores at ${scores})`);
  }
  return { detections: l.detections, stride: l.stride, box, format: l.boxFormat ?? 'xyxy', objectness: l.objectness, scores, classes, classId: l.classId };
}

function checkDetection(r: Resolved, d: number): void {
  if (!Number.isInteger(d) || d < 0 || d >= r.detections) throw new Error(`detection ${d} is out of range: the output holds ${r.detections} detections (0..${r.detections - 1})`);
}

/** Coefficients of a corner coordinate on the 4 stored box values. */
function cornerWeights(format: BoxFormat, coord: BoxCoordinate): [number, number, number, number] {
  const k = BOX_COORDINATES.indexOf(coord);
  if (k < 0) throw new Error(`unknown box coordinate '${coord}': use x1, y1, x2 or y2`);
  const w: [number, number, number, number] = [0, 0, 0, 0];
  const axis = k % 2; // 0: x, 1: y
  const far = k >= 2;
  if (format === 'xyxy') w[k] = 1;
  else if (format === 'xywh') {
    w[axis] = 1;
    if (far) w[axis + 2] = 1;
  } else {
    w[axis] = 1;
    w[axis + 2] = far ? 0.5 : -0.5;
  }
  return w;
}

/** The box of detection `d` as [x1, y1, x2, y2]. */
export function boxOf(layout: DetectionLayout, output: Float32Array, d: number): Box {
  const r = resolve(layout);
  checkDetection(r, d);
  const at = d * r.stride + r.box;
  const c = BOX_COORDINATES.map((k) => cornerWeights(r.format, k).reduce((s, w, j) => s + w * output[at + j], 0));
  return [c[0], c[1], c[2], c[3]];
}

/** Score of class `c` of detection `d` (times objectness when the layout has one). */
export function scoreOf(layout: DetectionLayout, output: Float32Array, d: number, c: number): number {
  const r = resolve(layout);
  const s = output[d * r.stride + r.scores + c];
  return r.objectness === undefined ? s : s * output[d * r.stride + r.objectness];
}

export function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const area = (x: Box) => Math.max(0, x[2] - x[0]) * Math.max(0, x[3] - x[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

export interface Detection { index: number; class: number; score: number; box: Box }

/** Every detection of one example's output with its best class. */
export function detectionsOf(layout: DetectionLayout, output: Float32Array): Detection[] {
  const r = resolve(layout);
  if (output.length !== r.detections * r.stride) throw new Error(`a detector output of ${output.length} values does not hold ${r.detections} x ${r.stride}`);
  return Array.from({ length: r.detections }, (_, d) => {
    if (r.classId !== undefined) return { index: d, class: Math.round(output[d * r.stride + r.classId]), score: scoreOf(layout, output, d, 0), box: boxOf(layout, output, d) };
    let best = 0;
    for (let c = 1; c < r.classes; c++) if (scoreOf(layout, output, d, c) > scoreOf(layout, output, d, best)) best = c;
    return { index: d, class: best, score: scoreOf(layout, output, d, best), box: boxOf(layout, output, d) };
  });
}

/**
 * Which detection to explain: by row; the best-scoring one of a class; or the best-scoring one
 * overlapping a box with IoU >= minIoU (default 0.5), optionally of a class.
 */
export type DetectionSelector = { index: number } | { class: number } | { box: Box; class?: number; minIoU?: number };

export function selectDetection(layout: DetectionLayout, output: Float32Array, selector: DetectionSelector): Detection {
  const all = detectionsOf(layout, output);
  if ('index' in selector) {
    checkDetection(resolve(layout), selector.index);
    return all[selector.index];
  }
  if ('box' in selector) {
    const minIoU = selector.minIoU ?? 0.5;
    const pool = (selector.class === undefined ? all : all.filter((d) => d.class === selector.class)).map((d) => ({ d, o: iou(d.box, selector.box) }));
    const best = pool.filter((c) => c.o >= minIoU).sort((a, b) => b.d.score - a.d.score)[0];
    if (!best) {
      const closest = Math.max(0, ...pool.map((c) => c.o));
      throw new Error(`no detection${selector.class === undefined ? '' : ` of class ${selector.class}`} overlaps the box [${selector.box.join(', ')}] with IoU >= ${minIoU} (best ${closest.toFixed(2)})`);
    }
    return best.d;
  }
  const pool = all.filter((d) => d.class === selector.class).sort((a, b) => b.score - a.score);
  if (pool.length === 0) {
    const seen = [...new Set(all.map((d) => d.class))].slice(0, 10).join(', ');
    throw new Error(`no detection has class ${selector.class} as its best class (classes detected: ${seen}); select one by index instead`);
  }
  return pool[0];
}

/** The score of class `cls` of detection `d` (DExT's class target); with a class-id column, the detection's one score. */
export function detectionScore(layout: DetectionLayout, d: number, cls = 0): Target {
  const r = resolve(layout);
  checkDetection(r, d);
  if (r.classId !== undefined) cls = 0;
  if (!Number.isInteger(cls) || cls < 0 || cls >= r.classes) throw new Error(`class ${cls} is out of range: the detector scores ${r.classes} classes`);
  const size = r.detections * r.stride;
  const at = d * r.stride + r.scores + cls;
  const obj = r.objectness === undefined ? undefined : d * r.stride + r.objectness;
  return {
    label: r.classId !== undefined ? `score of detection ${d}` : `score of class ${cls}, detection ${d}`,
    dependsOnOutput: obj !== undefined,
    value: (output) => (obj === undefined ? output[at] : output[at] * output[obj]),
    cotangent: (output) => {
      const seed = new Float32Array(size);
      if (obj === undefined) seed[at] = 1;
      else {
        seed[at] = output![obj];
        seed[obj] = output![at];
      }
      return seed;
    },
  };
}

/** One corner coordinate of detection `d`'s box (DExT's box targets). */
export function boxCoordinate(layout: DetectionLayout, d: number, coord: BoxCoordinate): Target {
  const r = resolve(layout);
  checkDetection(r, d);
  const w = cornerWeights(r.format, coord);
  const at = d * r.stride + r.box;
  const size = r.detections * r.stride;
  return {
    label: `box ${coord}, detection ${d}`,
    dependsOnOutput: false,
    value: (output) => w.reduce((s, wj, j) => s + wj * output[at + j], 0),
    cotangent: () => {
      const seed = new Float32Array(size);
      w.forEach((wj, j) => (seed[at + j] = wj));
      return seed;
    },
  };
}
