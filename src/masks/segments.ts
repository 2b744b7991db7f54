/**
 * Segment specs, the text form of feature masks used by the registry and the CLI
 * (`--segments grid:size=16`): a kind and key=value parameters. 'grid' (a grid that fits the
 * input, masks/grid.ts) and 'grid:size=N' are built here; superpixels ('slic:n=50',
 * 'felzenszwalb:scale=100,sigma=0.5,min=50') are segmented per input from its pixels
 * (masks/segmentation.ts, scikit-image's algorithms).
 */
import type { InputSpace } from '../engine/space.js';
import type { FeatureMask } from './featureMask.js';
import { defaultPatch, gridMask } from './grid.js';
import { maskShape } from './layout.js';
import { parseSegmentation, segmentInput } from './segmentation.js';

export interface SegmentsSpec {
  kind: string;
  params: Record<string, number>;
  text: string;
}

export const SEGMENT_KINDS = ['grid', 'slic', 'felzenszwalb'] as const;

/** 'grid', 'grid:size=16', 'slic:n=50,compactness=10' (parameters separated by ',' or ':'). */
export function parseSegments(text: string): SegmentsSpec {
  const [head, ...rest] = text.trim().split(':');
  const kind = head.toLowerCase();
  const params: Record<string, number> = {};
  for (const part of rest.join(':').split(/[,:;]/).filter((p) => p.trim() !== '')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    const v = Number(value);
    if (!key || value === undefined || !Number.isFinite(v)) throw new Error(`segments '${text}': expected key=number parameters, got '${part}'`);
    params[key.toLowerCase()] = v;
  }
  return { kind, params, text };
}

/** The mask maker of a spec: one mask for every input, or a function of each input. */
export function segmenter(spec: SegmentsSpec, space: InputSpace): FeatureMask | ((example: Float32Array, index: number) => FeatureMask) {
  const shape = maskShape(space);
  switch (spec.kind) {
    case 'grid': {
      for (const key of Object.keys(spec.params)) if (key !== 'size') throw new Error(`segments 'grid' takes size=N (pixels per cell), got '${spec.text}'`);
      const size = spec.params['size'];
      if (size !== undefined && !(Number.isInteger(size) && size >= 1)) throw new Error(`segments grid size must be a positive integer, got ${size}`);
      return gridMask(shape, size);
    }
    case 'slic':
    case 'felzenszwalb': {
      const segment = parseSegmentation(spec.text); // checks the parameter names
      return (example: Float32Array) => segmentInput(segment, space, example);
    }
    default:
      throw new Error(`unknown segments '${spec.kind}' (known: ${SEGMENT_KINDS.join(', ')}; e.g. grid, grid:size=16, slic:n=50, felzenszwalb:scale=100)`);
  }
}

/** Number of features a spec makes (or its target number, for superpixels), for cost estimates. */
export function segmentCount(spec: SegmentsSpec, space: InputSpace): number {
  const [h, w] = maskShape(space);
  if (spec.kind === 'grid') {
    const size = spec.params['size'] ?? defaultPatch(h, w);
    return Math.ceil(h / size) * Math.ceil(w / size);
  }
  return spec.params['n'] ?? spec.params['segments'] ?? 50;
}
