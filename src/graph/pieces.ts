/**
 * Gradients of pieces of one forward tensor, assembled (GradContext.placePiece): the Gathers of
 * qkv[0], qkv[1], qkv[2], the two Slices of a roll, patch merging's x[0::2] and x[1::2]. Each
 * piece would otherwise be padded (or scattered) to the tensor's full shape and the results
 * summed: a full-size pass per piece plus the sum; one Concat does it in one.
 */
import type { DType } from './ir.js';
import type { Emitter } from './emitter.js';

/** A contribution to part of a forward tensor's gradient along one axis. */
export interface Piece {
  axis: number;
  /** First index (step 1: a block of `length`), or the offset below `step` of every step-th element. */
  start: number;
  length: number;
  step: number;
  grad: string;
}

/** The contributions of a tensor's pieces (one per axis and step), each of the tensor's shape. */
export function assemblePieces(e: Emitter, xShape: number[], dtype: DType, list: readonly Piece[]): string[] {
  const out: string[] = [];
  for (const key of [...new Set(list.map((p) => `${p.axis}/${p.step}`))]) {
    const group = list.filter((p) => `${p.axis}/${p.step}` === key).sort((a, b) => a.start - b.start);
    const { axis, step } = group[0];
    if (step === 1) out.push(...blocks(e, xShape, dtype, axis, group));
    else out.push(strided(e, xShape, dtype, axis, step, group));
  }
  return out;
}

/** Step-1 pieces: one Concat when they do not overlap (zeros in the gaps), else each padded. */
function blocks(e: Emitter, xShape: number[], dtype: DType, axis: number, group: Piece[]): string[] {
  const padded = (p: Piece) => {
    const pads = new Array<number>(2 * xShape.length).fill(0);
    pads[axis] = p.start;
    pads[xShape.length + axis] = xShape[axis] - p.start - p.length;
    return pads.every((v) => v === 0) ? p.grad : e.pad(p.grad, pads);
  };
  const disjoint = group.every((p, i) => i === 0 || group[i - 1].start + group[i - 1].length <= p.start);
  if (group.length === 1 || !disjoint) return group.map(padded);
  const parts: string[] = [];
  let at = 0;
  const gap = (to: number) => {
    if (to > at) parts.push(e.zeros(xShape.map((d, i) => (i === axis ? to - at : d)), dtype));
  };
  for (const p of group) {
    gap(p.start);
    parts.push(p.grad);
    at = p.start + p.length;
  }
  gap(xShape[axis]);
  return [e.op('Concat', parts, { axis })];
}

/** Every-step-th pieces: the tensor viewed as [..., n, step, ...], the pieces stacked on the step axis. */
function strided(e: Emitter, xShape: number[], dtype: DType, axis: number, step: number, group: Piece[]): string {
  const n = xShape[axis] / step;
  const split = [...xShape.slice(0, axis), n, 1, ...xShape.slice(axis + 1)];
  const parts: string[] = [];
  for (let k = 0; k < step; k++) {
    const at = group.filter((p) => p.start === k).map((p) => p.grad);
    parts.push(at.length ? e.reshape(e.sum(at)!, split) : e.zeros(split, dtype));
  }
  return e.reshape(e.op('Concat', parts, { axis: axis + 1 }), xShape);
}
