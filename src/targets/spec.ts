/**
 * `--target` texts for the targets beyond one class (issue 16), parsed and then built against a
 * model's output:
 *
 *   detection:0                 class score of detection row 0
 *   detection:class=person      the best-scoring detection of a class (name from the labels, or index)
 *   detection:box=x1,y1,x2,y2   the best-scoring detection overlapping the box with IoU >= 0.5
 *   box:0:x1                    a box coordinate (x1, y1, x2, y2) of a detection chosen as above
 *   segment:class=15            a class's logit summed over a mask (--mask FILE; default: the pixels predicted as the class)
 *   similarity:REF.png          cosine similarity to the embedding of a reference input
 */
import type { Target } from '../engine/model.js';
import { BOX_COORDINATES, boxCoordinate, detectionScore, selectDetection, type BoxCoordinate, type DetectionLayout, type DetectionSelector } from './detection.js';
import { predictedMask, segmentRegion } from './segmentation.js';
import { cosineSimilarity } from './similarity.js';

/** A class given by name (resolved with the labels) or by index. */
export type ClassRef = number | string;
type Select = { index: number } | { class: ClassRef } | { box: [number, number, number, number] };

export type TargetText =
  | { kind: 'detection'; select: Select }
  | { kind: 'box'; select: Select; coordinate: BoxCoordinate }
  | { kind: 'segment'; class: ClassRef }
  | { kind: 'similarity'; reference: string };

const classRef = (v: string): ClassRef => (/^\d+$/.test(v) ? Number(v) : v);

function parseSelect(text: string, whole: string): Select {
  if (/^\d+$/.test(text)) return { index: Number(text) };
  const [key, value] = text.split('=', 2);
  if (key === 'class' && value) return { class: classRef(value) };
  if (key === 'box' && value) {
    const b = value.split(',').map(Number);
    if (b.length === 4 && b.every(Number.isFinite)) return { box: [b[0], b[1], b[2], b[3]] };
  }
  throw new Error(`cannot read the detection in '${whole}': give a row index (0), class=NAME or box=x1,y1,x2,y2`);
}

/** The new target kinds; undefined for anything else (a class index, top1, a file of classes). */
export function parseTargetText(text: string): TargetText | undefined {
  const [kind, ...rest] = text.split(':');
  const tail = rest.join(':');
  switch (kind.toLowerCase()) {
    case 'detection':
      return { kind: 'detection', select: parseSelect(tail, text) };
    case 'box': {
      const cut = tail.lastIndexOf(':');
      const coordinate = tail.slice(cut + 1) as BoxCoordinate;
      if (cut < 0 || !BOX_COORDINATES.includes(coordinate)) throw new Error(`'${text}': a box target is box:DETECTION:COORDINATE with COORDINATE one of ${BOX_COORDINATES.join(', ')}`);
      return { kind: 'box', select: parseSelect(tail.slice(0, cut), text), coordinate };
    }
    case 'segment': {
      const m = /^class=(.+)$/.exec(tail);
      if (!m) throw new Error(`'${text}': a segmentation target is segment:class=N (or a class name), with --mask FILE for the region`);
      return { kind: 'segment', class: classRef(m[1]) };
    }
    case 'similarity':
      if (!tail) throw new Error(`'${text}': a similarity target is similarity:REFERENCE (an image or .npy input)`);
      return { kind: 'similarity', reference: tail };
    default:
      return undefined;
  }
}

export interface TargetContext {
  /** One example's output shape. */
  outputShape: readonly number[];
  /** The explained input's own output (to select a detection or the predicted region). */
  output: Float32Array;
  labels?: readonly string[];
  /** How detections are laid out; default: rows of the output's last axis, box xyxy first. */
  detections?: DetectionLayout;
  /** Region weights (height x width) for segment targets. */
  mask?: ArrayLike<number>;
  /** The reference's embedding for similarity targets. */
  reference?: Float32Array;
}

function classIndex(c: ClassRef, labels: readonly string[] | undefined): number {
  if (typeof c === 'number') return c;
  const i = labels?.findIndex((l) => l.toLowerCase() === c.toLowerCase()) ?? -1;
  if (i < 0) throw new Error(`no class named '${c}'${labels ? '' : ' (the model has no labels: give the class index)'}`);
  return i;
}

function layoutOf(ctx: TargetContext): DetectionLayout {
  if (ctx.detections) return ctx.detections;
  const s = ctx.outputShape;
  if (s.length !== 2 || s[1] < 5) throw new Error(`a detection target needs an output of [detections, values per detection] (box, scores); this model gives [${s.join(', ')}]`);
  return { detections: s[0], stride: s[1] };
}

/** Build the Target of a parsed text against the model's output. */
export function buildTarget(t: TargetText, ctx: TargetContext): Target {
  if (t.kind === 'detection' || t.kind === 'box') {
    const layout = layoutOf(ctx);
    const sel: DetectionSelector = 'class' in t.select ? { class: classIndex(t.select.class, ctx.labels) } : t.select;
    const d = selectDetection(layout, ctx.output, sel);
    const what = `detection ${d.index} (${ctx.labels?.[d.class] ?? `class ${d.class}`} ${d.score.toFixed(2)})`;
    if (t.kind === 'box') {
      const b = boxCoordinate(layout, d.index, t.coordinate);
      return named(b, `${what}: box ${t.coordinate} = ${b.value(ctx.output, 0).toFixed(1)}`);
    }
    return named(detectionScore(layout, d.index, layout.classId === undefined ? d.class : 0), `${what}: class score`);
  }
  if (t.kind === 'segment') {
    const s = ctx.outputShape;
    if (s.length !== 3) throw new Error(`a segmentation target needs an output of [classes, height, width]; this model gives [${s.join(', ')}]`);
    const shape = { classes: s[0], height: s[1], width: s[2] };
    const c = classIndex(t.class, ctx.labels);
    const region = segmentRegion(shape, c, ctx.mask ?? predictedMask(ctx.output, shape, c));
    return named(region, `segment ${ctx.labels?.[c] ? `'${ctx.labels[c]}' (class ${c})` : `class ${c}`}: ${region.label.replace(/^class \d+ /, '')}${ctx.mask ? ' of the mask' : ' predicted as the class'}`);
  }
  if (!ctx.reference) throw new Error(`the similarity target needs the embedding of ${t.reference}`);
  return cosineSimilarity(ctx.reference, `cosine similarity to ${t.reference}`);
}

/** The same target under another label (what records and captions show). */
function named(t: Target, label: string): Target {
  return { label, dependsOnOutput: t.dependsOnOutput, value: (o, i) => t.value(o, i), cotangent: (o, i) => t.cotangent(o, i) };
}

/** The label of input i's target: its own when the target is one per input (perInput), else the target's. */
export function targetLabelFor(t: Target, i: number): string {
  const labels = (t as Partial<PerInputTarget>).labels;
  return labels?.[i] ?? t.label;
}

/** Which target kinds fit a model whose one-example output has this shape (for `saliency inspect`). */
export function targetKindsFor(outputShape: readonly number[]): string[] {
  const kinds: string[] = [];
  if (outputShape.length === 1 || (outputShape.length > 1 && outputShape.slice(1).every((d) => d === 1))) {
    kinds.push('class (N, top1, a file of classes)');
    if (outputShape[0] > 1) kinds.push('similarity:REF (the output as an embedding)');
  }
  if (outputShape.length === 2 && outputShape[1] >= 5) kinds.push('detection:N | detection:class=NAME | detection:box=x1,y1,x2,y2', 'box:DETECTION:x1|y1|x2|y2');
  if (outputShape.length === 3) kinds.push('segment:class=N (--mask FILE)');
  return kinds;
}

/** One target per input: `labels` holds each input's own label. */
export interface PerInputTarget extends Target {
  readonly labels: readonly string[];
}

/** One target per input, as one Target (input i explained by targets[i]). */
export function perInput(targets: readonly Target[]): PerInputTarget {
  if (targets.length === 0) throw new Error('no inputs to build targets for');
  const labels = [...new Set(targets.map((t) => t.label))];
  const at = (i: number) => {
    const t = targets[i];
    if (!t) throw new Error(`no target for input ${i} (${targets.length} built)`);
    return t;
  };
  return {
    label: labels.length === 1 ? labels[0] : labels.join('; '),
    labels: targets.map((t) => t.label),
    dependsOnOutput: targets.some((t) => t.dependsOnOutput),
    value: (output, i) => at(i).value(output, i),
    cotangent: (output, i) => at(i).cotangent(output, i),
  };
}
