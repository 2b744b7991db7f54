/**
 * Constant baseline: one colour everywhere, defined in PIXEL space and converted with
 * the preprocessing (black is pixel value min in every channel, not 0 after
 * normalisation). Black by default, as in the Integrated Gradients paper.
 */
import type { Model } from '../engine/model.js';
import { asSpace, type InputSpace, type Preprocessing } from '../engine/space.js';

/** 'black' (pixel min), 'white' (pixel max), 'gray' (middle), one pixel value, or one per channel. */
export type Colour = 'black' | 'white' | 'gray' | 'grey' | number | readonly number[];

export function pixelColour(space: InputSpace, colour: Colour): number[] {
  const [lo, hi] = space.pixelRange;
  if (colour === 'black') return new Array(space.channels).fill(lo);
  if (colour === 'white') return new Array(space.channels).fill(hi);
  if (colour === 'gray' || colour === 'grey') return new Array(space.channels).fill((lo + hi) / 2);
  if (typeof colour === 'number') return new Array(space.channels).fill(colour);
  if (colour.length !== space.channels) {
    throw new Error(`a colour of ${colour.length} values was given for an input with ${space.channels} channels`);
  }
  return [...colour];
}

/** A constant image of one example's shape, in the model's input space. */
export function constantBaseline(
  space: InputSpace | Model | readonly number[],
  colour: Colour = 'black',
  preprocessing?: Preprocessing,
): Float32Array {
  const s = asSpace(space, preprocessing);
  const pixel = pixelColour(s, colour);
  const values = pixel.map((p, c) => s.toModelValue(p, c));
  const out = new Float32Array(s.size);
  for (let i = 0; i < s.size; i++) out[i] = values[s.channelOf(i)];
  return out;
}
