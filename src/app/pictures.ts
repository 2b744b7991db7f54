/**
 * Pictures as files and data URIs: the panels of one attribution (viz/panels), enlarged
 * by whole pixels when small (a 28x28 map stays a grid of crisp squares) and, for models
 * that stretch their input, drawn back at the photo's own aspect ratio.
 */
import sharp from 'sharp';
import { inputSpace, type Preprocessing } from '../baselines/index.js';
import type { Model } from '../engine/model.js';
import type { ResolvedPreprocessing } from '../io/preprocess.js';
import { colourBar, panels, pathFigure, type Panels, type RgbaImage } from '../viz/index.js';
import type { PathData } from '../methods/index.js';

export interface DisplayOptions {
  /** Enlarge (nearest neighbour, whole factors) until the long side is at least this; default 224. */
  minSide?: number;
  /** Width / height to draw at (the source photo's, when the model stretched it); default the image's own. */
  aspect?: number;
  /**
   * 'png' (default), or 'auto': PNG for pictures enlarged by whole pixels (small maps
   * compress to almost nothing), JPEG (quality 88) for photo-sized ones, which PNG
   * stores at ten times the size: what keeps the HTML report light.
   */
  format?: 'png' | 'auto';
}

/** The aspect ratio to draw a model-space picture at: the source's when the model stretched it. */
export function displayAspect(prep: ResolvedPreprocessing, source: { width: number; height: number }): number | undefined {
  if (prep.resize !== 'stretch' || !(source.width > 0 && source.height > 0)) return undefined;
  const a = source.width / source.height;
  return Math.abs(a - prep.width / prep.height) > 0.01 ? a : undefined;
}

/** RGBA -> PNG (or JPEG, see `format`) bytes, enlarged and re-proportioned for display. */
export async function encodePicture(image: RgbaImage, options: DisplayOptions = {}): Promise<{ png: Buffer; width: number; height: number; mime: string }> {
  const minSide = options.minSide ?? 224;
  const raw = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  });
  const long = Math.max(image.width, image.height);
  const factor = Math.max(1, Math.ceil(minSide / long));
  let width = image.width * factor;
  let height = image.height * factor;
  let pipeline = raw;
  if (options.aspect !== undefined) {
    // keep the long side, give the other the source's proportion (smooth resampling: photos)
    if (options.aspect >= 1) height = Math.max(1, Math.round(width / options.aspect));
    else width = Math.max(1, Math.round(height * options.aspect));
    pipeline = raw.resize({ width, height, fit: 'fill', kernel: factor > 1 ? 'nearest' : 'lanczos3' });
  } else if (factor > 1) {
    pipeline = raw.resize({ width, height, kernel: 'nearest' });
  }
  const jpeg = options.format === 'auto' && factor === 1;
  const png = await (jpeg ? pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 88, mozjpeg: true }) : pipeline.png({ compressionLevel: 9 })).toBuffer();
  return { png, width, height, mime: jpeg ? 'image/jpeg' : 'image/png' };
}

export interface Encoded {
  href: string;
  width: number;
  height: number;
}

export async function dataUri(image: RgbaImage, options: DisplayOptions = {}): Promise<Encoded> {
  const { png, width, height, mime } = await encodePicture(image, options);
  return { href: `data:${mime};base64,${png.toString('base64')}`, width, height };
}

/**
 * The standard panels of example e's attribution (values: that example only), shaped like
 * the input, or a spatial map [h, w] (a CAM, a layer's channel sum: stretched to the picture).
 */
export function panelsOf(values: Float32Array, prep: ResolvedPreprocessing, picture: RgbaImage, shape: readonly number[] = prep.shape): Panels {
  return panels(values, shape, picture, shape.length === 2 ? {} : { layout: prep.layout });
}

export interface PathPictures {
  alphas: number[];
  inputs: Encoded[];
  gradients: Encoded[];
  cumulative: Encoded[];
}

/** The IG path figure of example e, encoded. */
export async function pathPictures(path: PathData, e: number, model: Model, prep: ResolvedPreprocessing, display: DisplayOptions): Promise<PathPictures> {
  const space = inputSpace(model, prep as Preprocessing);
  const fig = pathFigure(path, e, {
    layout: prep.layout,
    toPixels: space.toPixels,
    input: { range: prep.pixelRange, layout: prep.layout, order: prep.channels === 'BGR' ? 'BGR' : 'RGB' },
  });
  const enc = (img: RgbaImage) => dataUri(img, display);
  return {
    alphas: fig.alphas,
    inputs: await Promise.all(fig.inputs.map(enc)),
    gradients: await Promise.all(fig.gradients.map((h) => enc(h.image))),
    cumulative: await Promise.all(fig.cumulative.map((h) => enc(h.image))),
  };
}

/** Colour bars of the magnitude and signed scales, for legends. */
export async function legendBars(): Promise<{ magnitude: string; signed: string }> {
  const opts = { minSide: 1 };
  return {
    magnitude: (await dataUri(colourBar(256, 12), opts)).href,
    signed: (await dataUri(colourBar(256, 12, { signed: true }), opts)).href,
  };
}
