/**
 * Small ONNX graphs for the propagation tests, built in the graph IR (not part of the API).
 */
import type { AttrValue } from '../../graph/ir.js';
import { Builder } from '../testing.js';

export { int, ints } from '../testing.js';

/** The methods' test Builder, its graph named 'propagation-test'. */
export class GraphBuilder extends Builder {
  constructor() {
    super('propagation-test');
  }
}

export const float = (value: number): AttrValue => ({ kind: 'float', value });

/** Deterministic values in [lo, hi). */
export function values(n: number, seed: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, (_, i) => {
    const v = Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453;
    return lo + (hi - lo) * (v - Math.floor(v));
  });
}
