/**
 * Model.runPatched for ONNX models: the outputs of copies of one image in which boxes take a
 * fill's values. With a worthwhile cut (incremental.ts) the prefix runs on crops and the
 * suffix on the base activation with the affected positions pasted in; otherwise the patched
 * images are built chunk by chunk and run in full.
 */
import type { Graph } from '../graph/ir.js';
import { prefixGraph, suffixGraph, type LocalPrefix } from '../graph/localPrefix.js';
import { pasteAffected, planCrops, writeCrop } from './incremental.js';
import { ModelInputError, sizeOfShape, type ImageBox, type RunAsk, type RunResult } from './model.js';
import type { OrtSession, OrtTensor } from './onnxRuntimeModel.js';
import { checkFinite } from './request.js';

/** 'auto': when the cost model expects a gain; 'always': whenever a cut exists; 'never': full runs; { cut }: through that cut tensor always (measurements, tests). */
export type IncrementalMode = 'auto' | 'always' | 'never' | { cut: string };

/** What the driver needs from the model. */
export interface PatchedHost {
  readonly graph: Graph;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly batchSize: number;
  /** The local prefix of the graph, or undefined when the input is not an image [C, H, W]. */
  localPrefix(): LocalPrefix | undefined;
  readonly incremental: IncrementalMode;
  /** A cached session of the graph `build` makes (built once per key). */
  session(key: string, build: () => Graph): Promise<OrtSession>;
  tensor(data: Float32Array, dims: readonly number[]): OrtTensor;
  /** One example's value of an inner tensor (a full forward run, not reported as progress). */
  forwardTensor(example: Float32Array, tensor: string): Promise<Float32Array>;
  run(batch: Float32Array, ask: RunAsk): Promise<RunResult>;
  progress(examples: number): void;
}

function checkBoxes(shape: readonly number[], base: Float32Array, fill: Float32Array, boxes: readonly ImageBox[]): void {
  if (shape.length !== 3) throw new ModelInputError(`patched runs take image models [C, H, W]; this model's input is [${shape.join(', ')}]`);
  const per = sizeOfShape(shape);
  if (base.length !== per || fill.length !== per) {
    throw new ModelInputError(`runPatched takes one example as base and as fill (${per} values each); got ${base.length} and ${fill.length}`);
  }
  checkFinite(base, 'the base image');
  checkFinite(fill, 'the fill');
  for (const b of boxes) {
    const ok = [b.y, b.x, b.h, b.w].every(Number.isInteger) && b.y >= 0 && b.x >= 0 && b.h >= 1 && b.w >= 1 && b.y + b.h <= shape[1] && b.x + b.w <= shape[2];
    if (!ok) throw new ModelInputError(`box ${JSON.stringify(b)} does not lie inside the ${shape[1]}x${shape[2]} image`);
  }
}

export async function runPatchedImages(host: PatchedHost, base: Float32Array, fill: Float32Array, boxes: readonly ImageBox[]): Promise<Float32Array> {
  const shape = host.inputShape;
  checkBoxes(shape, base, fill, boxes);
  const outSize = sizeOfShape(host.outputShape);
  const result = new Float32Array(boxes.length * outSize);
  if (boxes.length === 0) return result;
  const mode = host.incremental;
  let prefix = mode === 'never' ? undefined : host.localPrefix();
  if (prefix && typeof mode === 'object') {
    const cut = prefix.cuts.find((c) => c.tensor === mode.cut);
    if (!cut) throw new ModelInputError(`'${mode.cut}' is not a cut of the model's local prefix; the cuts: ${prefix.cuts.map((c) => c.tensor).join(', ')}`);
    prefix = { ...prefix, cuts: [cut] };
  }
  const plan = prefix && planCrops(prefix, shape[1], shape[2], boxes, mode === 'auto' ? undefined : -Infinity);
  const m = Math.min(host.batchSize, boxes.length);
  const per = sizeOfShape(shape);
  if (!plan) {
    // no worthwhile cut: the patched images in full, one chunk at a time
    const images = new Float32Array(m * per);
    for (let start = 0; start < boxes.length; start += m) {
      const count = Math.min(m, boxes.length - start);
      for (let k = 0; k < count; k++) writeCrop(base, fill, shape, boxes[start + k], 0, 0, shape[1], shape[2], images.subarray(k * per, (k + 1) * per));
      const r = await host.run(images.subarray(0, count * per), { outputs: ['logits'] });
      result.set(r['logits'], start * outSize);
    }
    return result;
  }
  const cut = plan.cut;
  const [prefixSession, suffixSession] = await Promise.all([
    // both graphs take any batch size (and the prefix any crop size): one session each per cut
    host.session(`prefix ${cut.tensor}`, () => prefixGraph(host.graph, host.inputName, cut.tensor)),
    host.session(`suffix ${cut.tensor}`, () => suffixGraph(host.graph, cut.tensor, cut.shape, [host.outputName])),
  ]);
  const baseCut = await host.forwardTensor(base, cut.tensor);
  const cropDims = [m, shape[0], plan.rows.size, plan.cols.size];
  const crops = new Float32Array(sizeOfShape(cropDims));
  const cropSize = crops.length / m;
  const cutSize = sizeOfShape(cut.shape);
  const patched = new Float32Array(m * cutSize);
  const { rows, cols } = plan;
  for (let start = 0; start < boxes.length; start += m) {
    const count = Math.min(m, boxes.length - start);
    for (let k = 0; k < count; k++) {
      const b = start + k;
      writeCrop(base, fill, shape, boxes[b], rows.origins[b], cols.origins[b], rows.size, cols.size, crops.subarray(k * cropSize, (k + 1) * cropSize));
    }
    const out = (await prefixSession.run({ [host.inputName]: host.tensor(crops.subarray(0, count * cropSize), [count, ...cropDims.slice(1)]) }))[cut.tensor];
    const [, , cropRows, cropCols] = out.dims;
    const cropCut = out.data as Float32Array;
    const cropCutSize = cropCut.length / count;
    for (let k = 0; k < count; k++) {
      const b = start + k;
      const dest = patched.subarray(k * cutSize, (k + 1) * cutSize);
      dest.set(baseCut);
      pasteAffected(
        cropCut.subarray(k * cropCutSize, (k + 1) * cropCutSize), cropRows, cropCols, dest, cut.shape,
        { row: rows.origins[b] / cut.geometry.rows.jump, col: cols.origins[b] / cut.geometry.cols.jump },
        { fromRow: rows.from[b], toRow: rows.to[b], fromCol: cols.from[b], toCol: cols.to[b] },
      );
    }
    const feed = host.tensor(patched.subarray(0, count * cutSize), [count, ...cut.shape]);
    result.set((await suffixSession.run({ [cut.tensor]: feed }))[host.outputName].data as Float32Array, start * outSize);
    host.progress(count);
  }
  return result;
}
