/**
 * What every method does with the model: resolve the target, then stream many points
 * (interpolated, noisy or sampled inputs) through model.run in chunks of `batchSize`,
 * each point explained with the target of the input it came from. Memory stays
 * bounded by one chunk, whatever the number of points.
 */
import type { ImageBox, ImageEdit, Model, Target } from '../engine/model.js';
import { countExamples, sizeOfShape } from '../engine/model.js';
import { classLogit } from '../targets/index.js';
import { argmax } from '../engine/numeric.js';
import type { CommonOptions, TargetSpec, Timings } from './attribution.js';

/** The target of point i is the target of input `exampleOf(i)`. */
export function remapTarget(target: Target, exampleOf: (i: number) => number): Target {
  return {
    label: target.label,
    dependsOnOutput: target.dependsOnOutput,
    value: (output, i) => target.value(output, exampleOf(i)),
    cotangent: (output, i) => target.cotangent(output, exampleOf(i)),
  };
}

/** Default batch size: the option, else the model's preferred size (Model.batchSize), else 16. */
export function chunkSize(model: Model, options: CommonOptions): number {
  const b = options.batchSize ?? model.batchSize ?? 16;
  if (!(b >= 1) || !Number.isInteger(b)) throw new Error(`batchSize must be a positive integer, got ${b}`);
  return b;
}

export class Runner {
  readonly per: number;
  readonly outSize: number;
  readonly batch: number;
  /** Boxes per `patched` call: the batchSize option, else the model's patchedBatchSize, else `batch`. */
  readonly patchBatch: number;
  readonly started = performance.now();
  readonly timings: Timings = { totalMs: 0, modelMs: 0, modelCalls: 0, forwardExamples: 0, backwardExamples: 0 };
  target!: Target;

  constructor(
    readonly model: Model,
    options: CommonOptions,
  ) {
    this.per = sizeOfShape(model.inputShape);
    this.outSize = sizeOfShape(model.outputShape);
    this.batch = chunkSize(model, options);
    this.patchBatch = options.batchSize === undefined ? (model.patchedBatchSize ?? this.batch) : this.batch;
  }

  /** Resolve the target for the n inputs (a forward pass finds the top class when none is given). */
  async resolveTarget(spec: TargetSpec | undefined, inputs: Float32Array): Promise<Target> {
    const n = countExamples(inputs, this.model.inputShape);
    if (spec === undefined) {
      if (this.outSize === 1) return (this.target = classLogit(0, 1));
      const logits = await this.forward(inputs);
      const classes: number[] = [];
      for (let e = 0; e < n; e++) {
        classes.push(argmax(logits.subarray(e * this.outSize, (e + 1) * this.outSize)));
      }
      const t = classLogit(classes, this.outSize);
      return (this.target = { ...t, label: `logit of the top class (${[...new Set(classes)].join(', ')})` });
    }
    if (typeof spec === 'number' || Array.isArray(spec)) {
      if (Array.isArray(spec) && spec.length !== n) throw new Error(`${spec.length} target classes given for ${n} inputs`);
      return (this.target = classLogit(spec as number | number[], this.outSize));
    }
    return (this.target = spec as Target);
  }

  /** Forward outputs (logits) of any number of points, in chunks. */
  async forward(points: Float32Array): Promise<Float32Array> {
    const t0 = performance.now();
    const r = await this.model.run(points, { outputs: ['logits'] });
    this.timings.modelMs += performance.now() - t0;
    this.timings.modelCalls++;
    this.timings.forwardExamples += points.length / this.per;
    return r['logits'];
  }

  /**
   * Target values of copies of input `example` (`base`) with each box taken from `fill`,
   * through Model.runPatched (the caller checks that the model has it).
   */
  patched(base: Float32Array, fill: Float32Array, boxes: readonly ImageBox[], example: number): Promise<Float64Array> {
    return this.imageValues(boxes.length, example, () => this.model.runPatched!(base, fill, boxes));
  }

  /**
   * Target values of the images `edits` make from input `example` (`base`): each edit applied
   * to the base, or chained (to the image the edits before it made), through Model.runEdited
   * (the caller checks that the model has it), `patchBatch` edits per engine chunk.
   */
  edited(base: Float32Array, edits: readonly ImageEdit[], chained: boolean, example: number): Promise<Float64Array> {
    return this.imageValues(edits.length, example, () => this.model.runEdited!(base, edits, { chained, batchSize: this.patchBatch }));
  }

  /** Target values (as input `example`) of the `count` output rows `call` gives, timed and counted as forward examples. */
  private async imageValues(count: number, example: number, call: () => Promise<Float32Array>): Promise<Float64Array> {
    const t0 = performance.now();
    const logits = await call();
    this.timings.modelMs += performance.now() - t0;
    this.timings.modelCalls++;
    this.timings.forwardExamples += count;
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.target.value(logits.subarray(i * this.outSize, (i + 1) * this.outSize), example);
    return out;
  }

  /** Target values of points, point i explained as input exampleOf(i). */
  async values(points: Float32Array, exampleOf: (i: number) => number): Promise<Float64Array> {
    const out = new Float64Array(points.length / this.per);
    for (let start = 0; start < out.length; start += this.batch) {
      const m = Math.min(this.batch, out.length - start);
      const logits = await this.forward(points.subarray(start * this.per, (start + m) * this.per));
      for (let i = 0; i < m; i++) out[start + i] = this.target.value(logits.subarray(i * this.outSize, (i + 1) * this.outSize), exampleOf(start + i));
    }
    return out;
  }

  /**
   * Gradients of the target at `count` points. `fill(i, dest)` writes point i (it may be
   * async, e.g. to compute a whole chunk when called for its first point); then
   * `consume(start, m, grads, values)` receives the input gradients and the target
   * values of points start .. start + m - 1. Points are visited in order.
   */
  async stream(
    count: number,
    exampleOf: (i: number) => number,
    fill: (i: number, dest: Float32Array) => void | Promise<void>,
    consume: (start: number, m: number, grads: Float32Array, values: Float32Array) => void | Promise<void>,
  ): Promise<void> {
    const buffer = new Float32Array(Math.min(count, this.batch) * this.per);
    for (let start = 0; start < count; start += this.batch) {
      const m = Math.min(this.batch, count - start);
      const points = buffer.subarray(0, m * this.per);
      for (let i = 0; i < m; i++) {
        const pending = fill(start + i, points.subarray(i * this.per, (i + 1) * this.per));
        if (pending) await pending;
      }
      const t0 = performance.now();
      const r = await this.model.run(points, {
        gradients: { seed: remapTarget(this.target, (i) => exampleOf(start + i)), wrt: ['input'] },
      });
      this.timings.modelMs += performance.now() - t0;
      this.timings.modelCalls++;
      this.timings.backwardExamples += m;
      await consume(start, m, r['grad:input'], r['target']);
    }
  }

  /**
   * Input gradients at `points` for explicit cotangents of the output (`seeds`: one output's worth per point),
   * with the logits the gradient run computed. For methods that already hold the points' forward outputs
   * (a target's cotangent needs them): the engine then skips its own forward pass.
   */
  async gradients(points: Float32Array, seeds: Float32Array): Promise<{ grads: Float32Array; logits: Float32Array }> {
    const t0 = performance.now();
    // 'logits' asked as a Target seed asks it, so the very same compiled session runs
    const r = await this.model.run(points, { outputs: ['logits'], gradients: { seed: seeds, wrt: ['input'] } });
    this.timings.modelMs += performance.now() - t0;
    this.timings.modelCalls++;
    this.timings.backwardExamples += points.length / this.per;
    return { grads: r['grad:input'], logits: r['logits'] };
  }

  finish(): Timings {
    this.timings.totalMs = performance.now() - this.started;
    return { ...this.timings };
  }
}

/** Merge the timings of an inner method into an outer one. */
export function addTimings(into: Timings, t: Timings): void {
  into.modelMs += t.modelMs;
  into.modelCalls += t.modelCalls;
  into.forwardExamples += t.forwardExamples;
  into.backwardExamples += t.backwardExamples;
}
