/**
 * What shape inference produces, and its error.
 */
import type { DType, Tensor } from '../ir.js';
import { at } from './fold.js';

export interface ShapeInfo {
  /** Every value name -> concrete dims. */
  shapes: Map<string, number[]>;
  dtypes: Map<string, DType>;
  /**
   * Values known at compile time (small initializers, Constant nodes and everything
   * folded from them and from static shapes). Large initializers are not decoded:
   * read them through graph.initializers.
   */
  constants: Map<string, Tensor>;
}

export class ShapeInferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeInferenceError';
  }
}

/** Folded constants (and decoded initializers) are kept up to this many elements. */
export const MAX_CONSTANT_ELEMENTS = 4096;
