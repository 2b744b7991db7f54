/**
 * The picture type every viz function returns: 8-bit RGBA, row-major, no padding
 * (the browser's ImageData layout, and what sharp reads as `raw: { channels: 4 }`).
 */

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes: r, g, b, a per pixel, row by row. */
  readonly data: Uint8ClampedArray;
}

/** A new image filled with one colour (default transparent black). */
export function createRgba(width: number, height: number, fill: readonly [number, number, number, number] = [0, 0, 0, 0]): RgbaImage {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new Error(`image size must be positive integers, got ${width} x ${height}`);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  if (fill.some((v) => v !== 0)) for (let p = 0; p < width * height; p++) data.set(fill, p * 4);
  return { width, height, data };
}

/** Colour of pixel (x, y). */
export function pixelAt(image: RgbaImage, x: number, y: number): [number, number, number, number] {
  const o = (y * image.width + x) * 4;
  const d = image.data;
  return [d[o], d[o + 1], d[o + 2], d[o + 3]];
}

/** Nearest-neighbour upscale by an integer factor (keeps small maps such as 28x28 crisp). */
export function upscale(image: RgbaImage, factor: number): RgbaImage {
  if (!(Number.isInteger(factor) && factor >= 1)) throw new Error(`upscale factor must be an integer >= 1, got ${factor}`);
  if (factor === 1) return image;
  const out = createRgba(image.width * factor, image.height * factor);
  const bytes = image.data.byteOffset % 4 === 0 ? image.data : new Uint8ClampedArray(image.data); // Uint32 views need alignment
  const src = new Uint32Array(bytes.buffer, bytes.byteOffset, image.width * image.height);
  const dst = new Uint32Array(out.data.buffer);
  for (let y = 0; y < out.height; y++) {
    const row = Math.floor(y / factor) * image.width;
    for (let x = 0; x < out.width; x++) dst[y * out.width + x] = src[row + Math.floor(x / factor)];
  }
  return out;
}
