/**
 * What attention rollout and its gradient-weighted variant share: options, the pass over the
 * attention maps, the per-input relevance, and the upsampling of the token grid to the input.
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import type { MethodContext } from '../descriptor.js';
import { Runner } from '../runner.js';
import { attentionPass, findAttentionTaps } from './attention.js';
import { relevance, tokenMap, type HeadFusion } from './rollout.js';
import { resize } from '../cam/resize.js';

export type TokenUpsample = 'bilinear' | 'nearest' | 'none';

export interface RolloutOptions extends CommonOptions {
  /** 'auto' (every Softmax feeding a MatMul, in graph order) or tensor names, comma-separated. */
  attention?: string | string[];
  /** How the heads of a layer become one matrix: 'mean' (default), 'max', 'min'. */
  fusion?: HeadFusion;
  /** To the input's spatial size: 'bilinear' (align_corners false, default), 'nearest', 'none' (the token grid). */
  upsample?: TokenUpsample;
}

export const ROLLOUT_OPTIONS = {
  attention: { kind: 'string', default: 'auto', description: "attention maps: 'auto' (softmax outputs feeding a MatMul) or tensor names, comma-separated" },
  fusion: { kind: 'choice', choices: ['mean', 'max', 'min'], default: 'mean', description: 'how the heads of a layer are fused' },
  upsample: { kind: 'choice', choices: ['bilinear', 'nearest', 'none'], default: 'bilinear', description: 'token grid to input size (bilinear: align_corners false)' },
} as const;

export function rolloutOptionsFrom(o: { attention: string; fusion: string; upsample: string }, ctx: MethodContext): RolloutOptions {
  return { attention: o.attention, fusion: o.fusion as HeadFusion, upsample: o.upsample as TokenUpsample, target: ctx.target, batchSize: ctx.batchSize };
}

export interface RolloutAttribution extends Attribution {
  /** The attention maps used, in order. */
  attention: string[];
  /** The map on the token grid: [n, grid, grid]. */
  tokenMap: Float32Array;
  grid: number;
}

/** Input spatial size: [C, H, W] (C <= 4) or [H, W, C]. */
function spatial(shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length === 3) return shape[0] <= 4 ? [shape[1], shape[2]] : [shape[0], shape[1]];
  throw new Error(`cannot place a token grid on an input of shape [${shape.join(', ')}]: expected an image`);
}

/** One g x g map to H x W, bilinear with half-pixel centres (align_corners false) or nearest. */
export function upsampleGrid(map: Float32Array, g: number, H: number, W: number, mode: 'bilinear' | 'nearest'): Float32Array {
  return resize(map, 1, g, g, H, W, mode); // the CAM pipeline's resize: one implementation of both modes
}

export async function runRollout(model: Model, input: Float32Array, options: RolloutOptions, method: string, gradients: boolean): Promise<RolloutAttribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const target = await runner.resolveTarget(options.target, input);
  const asked = options.attention ?? ROLLOUT_OPTIONS.attention.default;
  const taps = asked === 'auto' ? findAttentionTaps(model) : (Array.isArray(asked) ? asked : asked.split(',')).map((s) => s.trim()).filter(Boolean);
  const fusion = options.fusion ?? (ROLLOUT_OPTIONS.fusion.default as HeadFusion);
  const upsample = options.upsample ?? (ROLLOUT_OPTIONS.upsample.default as TokenUpsample);
  const av = await attentionPass(runner, input, taps, gradients);
  const L = av.layout;
  const gg = L.grid * L.grid;
  const grid = new Float32Array(n * gg);
  for (let e = 0; e < n; e++) grid.set(tokenMap(relevance(av.maps, e, L, fusion, av.grads), L), e * gg);
  let values = grid;
  let shape = [n, L.grid, L.grid];
  if (upsample !== 'none') {
    const [H, W] = spatial(model.inputShape);
    values = new Float32Array(n * H * W);
    for (let e = 0; e < n; e++) values.set(upsampleGrid(grid.subarray(e * gg, (e + 1) * gg), L.grid, H, W, upsample), e * H * W);
    shape = [n, H, W];
  }
  return {
    values,
    shape,
    method,
    params: { attention: taps, fusion, upsample, heads: L.heads, tokens: L.tokens, classToken: L.classToken, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
    attention: taps,
    tokenMap: grid,
    grid: L.grid,
  };
}
