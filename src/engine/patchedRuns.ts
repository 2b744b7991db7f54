/**
 * Model.runPatched for ONNX models: the outputs of copies of one image in which boxes take a
 * fill's values, as independent edits of the base (editedRuns.ts: with a worthwhile cut the
 * prefix runs on crops and the suffix on the base activation with the affected positions
 * pasted in; otherwise the patched images are built chunk by chunk and run in full).
 */
import { runEditedImages, type EditHost } from './editedRuns.js';
import { boxValues, checkBox } from './imageEdits.js';
import { ModelInputError, sizeOfShape, type ImageBox } from './model.js';
import { checkFinite } from './request.js';

export type { EditHost as PatchedHost, IncrementalMode } from './editedRuns.js';

export async function runPatchedImages(host: EditHost, base: Float32Array, fill: Float32Array, boxes: readonly ImageBox[]): Promise<Float32Array> {
  const shape = host.inputShape;
  if (shape.length !== 3) throw new ModelInputError(`patched runs take image models [C, H, W]; this model's input is [${shape.join(', ')}]`);
  const per = sizeOfShape(shape);
  if (base.length !== per || fill.length !== per) {
    throw new ModelInputError(`runPatched takes one example as base and as fill (${per} values each); got ${base.length} and ${fill.length}`);
  }
  checkFinite(fill, 'the fill'); // the base, the boxes again and the edits: runEditedImages (checkEdits)
  for (const b of boxes) checkBox(shape, b); // before boxValues reads the fill
  return runEditedImages(host, base, boxes.map((box) => ({ box, values: boxValues(fill, shape, box) })));
}
