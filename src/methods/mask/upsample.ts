/**
 * Bilinear upsampling of a coarse mask to the image, with corners aligned (PyTorch's
 * UpsamplingBilinear2d, which the I-GOS and SAG reference code use), and its adjoint
 * (the transpose, which carries image-space gradients back to the coarse mask).
 */

interface Axis {
  lo: Int32Array;
  hi: Int32Array;
  w: Float64Array;
}

function axis(from: number, to: number): Axis {
  const lo = new Int32Array(to), hi = new Int32Array(to), w = new Float64Array(to);
  for (let o = 0; o < to; o++) {
    const src = to > 1 ? (o * (from - 1)) / (to - 1) : 0;
    const l = Math.min(Math.floor(src), from - 1);
    lo[o] = l;
    hi[o] = Math.min(l + 1, from - 1);
    w[o] = src - l;
  }
  return { lo, hi, w };
}

/** A coarse grid [rows, cols] upsampled to an image [h, w]. */
export class Upsampler {
  private readonly ay: Axis;
  private readonly ax: Axis;
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly h: number,
    readonly w: number,
  ) {
    this.ay = axis(rows, h);
    this.ax = axis(cols, w);
  }

  /** Coarse [rows*cols] -> image [h*w]. */
  up(coarse: ArrayLike<number>, out = new Float64Array(this.h * this.w)): Float64Array {
    const { ay, ax, cols, w } = this;
    for (let y = 0; y < this.h; y++) {
      const r0 = ay.lo[y] * cols, r1 = ay.hi[y] * cols, wy = ay.w[y];
      for (let x = 0; x < w; x++) {
        const c0 = ax.lo[x], c1 = ax.hi[x], wx = ax.w[x];
        const top = coarse[r0 + c0] * (1 - wx) + coarse[r0 + c1] * wx;
        const bottom = coarse[r1 + c0] * (1 - wx) + coarse[r1 + c1] * wx;
        out[y * w + x] = top * (1 - wy) + bottom * wy;
      }
    }
    return out;
  }

  /** Image gradient [h*w] -> coarse gradient [rows*cols] (the transpose of `up`). */
  down(image: ArrayLike<number>, out = new Float64Array(this.rows * this.cols)): Float64Array {
    out.fill(0);
    const { ay, ax, cols, w } = this;
    for (let y = 0; y < this.h; y++) {
      const r0 = ay.lo[y] * cols, r1 = ay.hi[y] * cols, wy = ay.w[y];
      for (let x = 0; x < w; x++) {
        const g = image[y * w + x];
        if (g === 0) continue;
        const c0 = ax.lo[x], c1 = ax.hi[x], wx = ax.w[x];
        out[r0 + c0] += g * (1 - wy) * (1 - wx);
        out[r0 + c1] += g * (1 - wy) * wx;
        out[r1 + c0] += g * wy * (1 - wx);
        out[r1 + c1] += g * wy * wx;
      }
    }
    return out;
  }
}
