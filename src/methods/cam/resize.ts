/**
 * Resizing maps [n, h, w] -> [n, H, W], as PyTorch's F.interpolate does it:
 * - 'bilinear' with align_corners = false (half-pixel centres; also OpenCV's INTER_LINEAR,
 *   which pytorch-grad-cam's scale_cam_image uses), or with align_corners = true
 *   (nn.UpsamplingBilinear2d, which pytorch-grad-cam's Score-CAM uses for its masks);
 * - 'nearest': PyTorch's legacy 'nearest' (source index floor(dst * in / out)), as Captum's
 *   LayerAttribution.interpolate default.
 */
export type UpsampleMode = 'bilinear' | 'nearest' | 'none';

interface Axis {
  i0: Int32Array;
  i1: Int32Array;
  t: Float64Array;
}

function axis(inSize: number, outSize: number, alignCorners: boolean): Axis {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    let src: number;
    if (alignCorners) src = outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0;
    else src = Math.max(0, (o + 0.5) * (inSize / outSize) - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    t[o] = src - lo;
  }
  return { i0, i1, t };
}

/**
 * Bilinear resize of one h x w map to H x W into a caller's buffer, reusing its tables and
 * row buffer across calls (Score-CAM resizes thousands of maps). Separable: each source row
 * is interpolated along x once (h x W values, float64), then each output row is one lerp
 * between two of them; the same arithmetic as the direct formula, a third of the work.
 */
export class BilinearResizer {
  private readonly ax: Axis;
  private readonly ay: Axis;
  private readonly rows: Float64Array;
  constructor(
    readonly h: number,
    readonly w: number,
    readonly H: number,
    readonly W: number,
    alignCorners = false,
  ) {
    this.ay = axis(h, H, alignCorners);
    this.ax = axis(w, W, alignCorners);
    this.rows = new Float64Array(h * W);
  }

  /** out[0 .. H*W) = the resized map (float32); returns [min, max] of what it wrote. */
  resizeInto(map: Float32Array, out: Float32Array, offset = 0): [number, number] {
    const { h, w, H, W, ax, ay, rows } = this;
    for (let r = 0; r < h; r++) {
      const base = r * w;
      for (let x = 0; x < W; x++) {
        const a = map[base + ax.i0[x]];
        rows[r * W + x] = a + (map[base + ax.i1[x]] - a) * ax.t[x];
      }
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < H; y++) {
      const r0 = ay.i0[y] * W;
      const r1 = ay.i1[y] * W;
      const ty = ay.t[y];
      const row = offset + y * W;
      for (let x = 0; x < W; x++) {
        const top = rows[r0 + x];
        const v = Math.fround(top + (rows[r1 + x] - top) * ty); // the stored float32 value
        out[row + x] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return [lo, hi];
  }
}

/** Bilinear resize of n maps of h x w to H x W (float32 out); see BilinearResizer. */
export function resizeBilinear(maps: Float32Array, n: number, h: number, w: number, H: number, W: number, alignCorners = false): Float32Array {
  const out = new Float32Array(n * H * W);
  const resizer = new BilinearResizer(h, w, H, W, alignCorners);
  for (let e = 0; e < n; e++) resizer.resizeInto(maps.subarray(e * h * w, (e + 1) * h * w), out, e * H * W);
  return out;
}

/** Nearest-neighbour resize (PyTorch 'nearest': source index floor(dst * in / out)). */
export function resizeNearest(maps: Float32Array, n: number, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(n * H * W);
  const sy = Int32Array.from({ length: H }, (_, y) => Math.min(Math.floor(y * (h / H)), h - 1));
  const sx = Int32Array.from({ length: W }, (_, x) => Math.min(Math.floor(x * (w / W)), w - 1));
  for (let e = 0; e < n; e++) {
    for (let y = 0; y < H; y++) {
      const src = (e * h + sy[y]) * w;
      const row = (e * H + y) * W;
      for (let x = 0; x < W; x++) out[row + x] = maps[src + sx[x]];
    }
  }
  return out;
}

export function resize(maps: Float32Array, n: number, h: number, w: number, H: number, W: number, mode: UpsampleMode): Float32Array {
  if (mode === 'none' || (h === H && w === W)) return Float32Array.from(maps);
  return mode === 'nearest' ? resizeNearest(maps, n, h, w, H, W) : resizeBilinear(maps, n, h, w, H, W);
}

/**
 * Min-max scaling of each of `count` blocks in place, with pytorch-grad-cam's epsilon
 * placement: (x - min) / (max - min + eps). An all-equal block becomes zeros.
 */
export function minMaxInPlace(values: Float32Array, count: number, eps = 1e-7): void {
  const per = values.length / count;
  for (let b = 0; b < count; b++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = b * per; i < (b + 1) * per; i++) {
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
    const scale = hi - lo + eps;
    for (let i = b * per; i < (b + 1) * per; i++) values[i] = (values[i] - lo) / scale;
  }
}
