/**
 * Where a feature mask lands on a model input: the [height, width] map it covers and the
 * spatial position of every element (every channel at a position shares its label), for
 * NCHW, NHWC and flat inputs (a vector's map is [1, d]; a 2-d example's is itself).
 */
import type { InputSpace } from '../engine/space.js';

/** The [height, width] map a feature mask covers for this input space. */
export function maskShape(space: InputSpace): [number, number] {
  const d = space.spatial.dims;
  if (d.length === 1) return [1, d[0]];
  if (d.length === 2) return [d[0], d[1]];
  throw new Error(`feature masks cover 1-d or 2-d inputs; this input has spatial shape [${d.join(', ')}]`);
}

/** Spatial position (index into mask labels) of each element of one example. */
export function positions(space: InputSpace): Int32Array {
  const out = new Int32Array(space.size);
  const area = space.size / space.channels;
  for (let i = 0; i < space.size; i++) {
    out[i] = space.layout === 'NCHW' ? i % area : space.layout === 'NHWC' ? Math.floor(i / space.channels) : i;
  }
  return out;
}
