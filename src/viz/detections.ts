/**
 * DExT's multi-object picture: the maps of several detections merged into one. Each map is
 * scaled by its own largest positive value, then each pixel goes to the detection whose scaled
 * map is largest there (its value kept, its index as the owner; -1 where no map is positive).
 * Colour by owner and draw each detection's box in the same colour.
 */
export interface MergedDetectionMaps {
  /** Per pixel: the largest scaled map value, in [0, 1]. */
  value: Float32Array;
  /** Per pixel: which map (its position in `maps`) it came from, or -1. */
  owner: Int32Array;
}

export function mergeDetectionMaps(maps: readonly Float32Array[]): MergedDetectionMaps {
  if (maps.length === 0) throw new Error('no detection maps to merge');
  const size = maps[0].length;
  if (maps.some((m) => m.length !== size)) throw new Error('the detection maps differ in size');
  const value = new Float32Array(size);
  const owner = new Int32Array(size).fill(-1);
  maps.forEach((m, k) => {
    let top = 0;
    for (let p = 0; p < size; p++) if (m[p] > top) top = m[p];
    if (top === 0) return;
    for (let p = 0; p < size; p++) {
      const v = m[p] / top;
      if (v > value[p]) {
        value[p] = v;
        owner[p] = k;
      }
    }
  });
  return { value, owner };
}
