/**
 * Image files in and out, with sharp (libvips): any format it decodes (JPEG, PNG, WebP,
 * GIF, TIFF, AVIF, SVG ...) -> the model's input; RGBA pixels -> PNG files, data URIs,
 * and SVG figures rendered to PNG.
 *
 * Reading follows a ResolvedPreprocessing (preprocess.ts): orient by EXIF, drop alpha (as
 * PIL's convert('RGB')), convert to sRGB or grey, resize (Lanczos-3) by stretching,
 * cover + centre crop, or fit + black padding; then byte b -> pixel
 * lo + b / 255 * (hi - lo) for pixelRange [lo, hi], -> model value (pixel - mean[c]) / std[c]
 * (the same formula as the baselines' InputSpace.toModel), in the channel order and layout asked.
 */
import { existsSync, renameSync, unlinkSync, writeFileSync, statSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { ResolvedPreprocessing } from './preprocess.js';
import { SaliencyError } from '../errors.js';

/** RGBA pixels as the viz functions make them (structurally viz's RgbaImage). */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray | Uint8Array;
}

export class ImageError extends SaliencyError {
  override name = 'ImageError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('bad-input', message);
  }
}

export interface LoadedImage {
  /** One example in the model's space and layout (size: preprocessing.shape's product). */
  data: Float32Array;
  /** The per-example shape, e.g. [3, 224, 224]. */
  shape: number[];
  /** The picture the model sees (after resize / crop), as RGBA: the base for overlays. */
  picture: { width: number; height: number; data: Uint8ClampedArray };
  /** The file as it was. */
  source: { path: string; width: number; height: number; format: string };
}

function fail(path: string, why: string): ImageError {
  return new ImageError(path, `cannot read image ${path}: ${why}`);
}

/** Read and preprocess one image file. */
export async function loadImage(path: string, prep: ResolvedPreprocessing): Promise<LoadedImage> {
  if (!existsSync(path)) throw fail(path, 'no such file');
  if (statSync(path).isDirectory()) throw fail(path, 'it is a directory');
  let meta: Metadata;
  let raw: { data: Buffer; info: OutputInfo };
  const { height, width } = prep;
  try {
    meta = await sharp(path).metadata();
    let img = sharp(path, { failOn: 'error' }).rotate().removeAlpha();
    img = prep.channels === 'L' ? img.toColourspace('b-w') : img.toColourspace('srgb');
    const oriented = (meta.orientation ?? 1) >= 5 ? { w: meta.height!, h: meta.width! } : { w: meta.width!, h: meta.height! };
    if (prep.resize === 'stretch') {
      img = img.resize({ width, height, fit: 'fill' });
    } else if (prep.resize === 'pad') {
      img = img.resize({ width, height, fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 1 } });
    } else {
      // cover, then crop the centre: torchvision's Resize(round(side / fraction)) + CenterCrop(side)
      const scale = Math.max(height / oriented.h, width / oriented.w) / prep.cropFraction;
      const rw = Math.max(width, Math.round(oriented.w * scale));
      const rh = Math.max(height, Math.round(oriented.h * scale));
      img = img.resize({ width: rw, height: rh, fit: 'fill' }).extract({
        left: Math.round((rw - width) / 2),
        top: Math.round((rh - height) / 2),
        width,
        height,
      });
    }
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw fail(path, (e as Error).message.replace(/^Input file /, 'the file '));
  }
  const c = prep.channels === 'L' ? 1 : 3;
  if (raw.info.width !== width || raw.info.height !== height || raw.info.channels !== c) {
    throw fail(path, `decoded to ${raw.info.width}x${raw.info.height}x${raw.info.channels}, expected ${width}x${height}x${c}`);
  }
  const bytes = raw.data;
  const [lo, hi] = prep.pixelRange;
  const mean = typeof prep.mean === 'number' ? new Array(c).fill(prep.mean) : prep.mean;
  const std = typeof prep.std === 'number' ? new Array(c).fill(prep.std) : prep.std;
  const data = new Float32Array(c * height * width);
  const picture = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < c; k++) {
      // model channel k reads file channel k, or 2 - k for BGR
      const b = bytes[p * c + (prep.channels === 'BGR' ? 2 - k : k)];
      const v = (lo + (b / 255) * (hi - lo) - mean[k]) / std[k];
      data[prep.layout === 'NCHW' ? k * height * width + p : p * c + k] = v;
    }
    for (let k = 0; k < 3; k++) picture[p * 4 + k] = bytes[p * c + (c === 1 ? 0 : k)];
    picture[p * 4 + 3] = 255;
  }
  return {
    data,
    shape: [...prep.shape],
    picture: { width, height, data: picture },
    source: { path, width: meta.width ?? 0, height: meta.height ?? 0, format: meta.format ?? 'unknown' },
  };
}

/** Several files as one batch, [n, ...shape]. */
export async function loadImages(paths: readonly string[], prep: ResolvedPreprocessing): Promise<{ batch: Float32Array; shape: number[]; images: LoadedImage[] }> {
  const images: LoadedImage[] = [];
  for (const p of paths) images.push(await loadImage(p, prep));
  const per = prep.shape.reduce((a, b) => a * b, 1);
  const batch = new Float32Array(images.length * per);
  images.forEach((im, i) => batch.set(im.data, i * per));
  return { batch, shape: [images.length, ...prep.shape], images };
}

function checkPixels(image: RgbaPixels): void {
  if (image.data.length !== image.width * image.height * 4) {
    throw new Error(`RGBA image of ${image.width} x ${image.height} needs ${image.width * image.height * 4} bytes, got ${image.data.length}`);
  }
}

/** RGBA -> PNG bytes. */
export async function encodePng(image: RgbaPixels): Promise<Buffer> {
  checkPixels(image);
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** Write bytes atomically: a temporary file beside the target, then rename (no half-written files). */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw e;
  }
}

/** RGBA -> PNG file, atomically. */
export async function writePng(path: string, image: RgbaPixels): Promise<void> {
  writeFileAtomic(path, await encodePng(image));
}

/** PNG file -> RGBA (for round trips and for drawing any image as a base). */
export async function readPng(path: string): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  if (!existsSync(path)) throw fail(path, 'no such file');
  try {
    const { data, info } = await sharp(path).ensureAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    throw fail(path, (e as Error).message);
  }
}

/** RGBA -> 'data:image/png;base64,...' for SVG and HTML. */
export async function pngDataUri(image: RgbaPixels): Promise<string> {
  return `data:image/png;base64,${(await encodePng(image)).toString('base64')}`;
}

/**
 * A picture for the comparison grid (viz/grid.ts's GridImage): small images (a 28x28
 * digit) are first enlarged by whole pixels to at least `minSide`, so every renderer shows
 * crisp squares instead of a blur.
 */
export async function gridImage(image: RgbaPixels, minSide = 160): Promise<{ href: string; width: number; height: number }> {
  checkPixels(image);
  const factor = Math.max(1, Math.ceil(minSide / Math.max(image.width, image.height)));
  let png: Buffer;
  if (factor === 1) png = await encodePng(image);
  else {
    png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
      raw: { width: image.width, height: image.height, channels: 4 },
    })
      .resize({ width: image.width * factor, height: image.height * factor, kernel: 'nearest' })
      .png({ compressionLevel: 9 })
      .toBuffer();
  }
  return { href: `data:image/png;base64,${png.toString('base64')}`, width: image.width * factor, height: image.height * factor };
}

/**
 * An SVG document (plots, the grid) -> PNG bytes (librsvg inside sharp; text in the
 * system's fonts), written atomically to `path` when given. `scale` 1 draws one PNG pixel
 * per SVG unit, 2 for high-density screens.
 */
export async function svgToPng(svg: string, path?: string, scale = 1): Promise<Buffer> {
  if (!(scale > 0)) throw new Error(`scale must be > 0, got ${scale}`);
  // librsvg renders at `density` dots per inch; SVG units are 1/72 inch to it
  const png = await sharp(Buffer.from(svg), { density: 72 * scale, limitInputPixels: false }).png({ compressionLevel: 9 }).toBuffer();
  if (path) writeFileAtomic(path, png);
  return png;
}
