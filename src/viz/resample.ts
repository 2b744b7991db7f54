/**
 * Bilinear resampling of a 2-d map, for maps coarser than the input (CAMs computed at a
 * layer's resolution). Half-pixel centres (align_corners = false), as PyTorch's
 * F.interpolate(mode='bilinear') and OpenCV's resize, which pytorch-grad-cam uses.
 */
import type { Map2d } from './layout.js';

export function resizeMap(map: Map2d, width: number, height: number): Map2d {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new Error(`target size must be positive integers, got ${width} x ${height}`);
  }
  if (map.width === width && map.height === height) return { width, height, data: Float32Array.from(map.data) };
  const out = new Float32Array(width * height);
  const sx = map.width / width;
  const sy = map.height / height;
  const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
  for (let y = 0; y < height; y++) {
    const fy = clamp((y + 0.5) * sy - 0.5, map.height);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, map.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = clamp((x + 0.5) * sx - 0.5, map.width);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, map.width - 1);
      const wx = fx - x0;
      const d = map.data;
      const top = d[y0 * map.width + x0] * (1 - wx) + d[y0 * map.width + x1] * wx;
      const bottom = d[y1 * map.width + x0] * (1 - wx) + d[y1 * map.width + x1] * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return { width, height, data: out };
}
