/**
 * A Model wrapper that reports evaluations to a progress sink.
 */
import type { Model, RunAsk, RunResult } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { remapTarget } from '../methods/runner.js';

/** Where progress goes (the CLI's bar; nothing for a program). */
export interface ProgressSink {
  begin(total: number, label?: string): void;
  advance(n: number): void;
  setLabel(label: string): void;
  end(): void;
}

export const noProgress: ProgressSink = { begin() {}, advance() {}, setLabel() {}, end() {} };

/**
 * A Model that reports every evaluation to the progress bar (and otherwise is the model).
 * With `piece`, gradient requests are passed on in pieces of that many examples, so a
 * slow model (MobileNetV2 on tfjs: ~0.15 s an example) moves the bar every second or so
 * instead of once per 16-example chunk; results are concatenated back, example order kept.
 */
export class CountingModel implements Model {
  private readonly per: number;
  constructor(
    readonly inner: Model,
    private readonly progress: ProgressSink,
    private readonly piece?: number,
  ) {
    this.per = sizeOfShape(inner.inputShape);
  }
  get inputShape() {
    return this.inner.inputShape;
  }
  get outputShape() {
    return this.inner.outputShape;
  }
  get inputRange() {
    return this.inner.inputRange;
  }
  get taps() {
    return this.inner.taps;
  }
  /** The inner model's batch size (the methods' default chunk). */
  get batchSize(): number | undefined {
    return (this.inner as { batchSize?: number }).batchSize;
  }
  shapeOf(name: string) {
    return this.inner.shapeOf(name);
  }
  inspect() {
    return this.inner.inspect();
  }
  dispose() {
    return this.inner.dispose();
  }
  async run(batch: Float32Array, ask: RunAsk): Promise<RunResult> {
    const n = batch.length / this.per;
    const piece = this.piece;
    if (!ask.gradients || !piece || n <= piece) {
      const r = await this.inner.run(batch, ask);
      this.progress.advance(n);
      return r;
    }
    const seed = ask.gradients.seed;
    const outSize = sizeOfShape(this.inner.outputShape);
    const parts: RunResult[] = [];
    for (let start = 0; start < n; start += piece) {
      const m = Math.min(piece, n - start);
      const pieceSeed = seed instanceof Float32Array ? seed.subarray(start * outSize, (start + m) * outSize) : remapTarget(seed, (i) => start + i);
      parts.push(await this.inner.run(batch.subarray(start * this.per, (start + m) * this.per), { ...ask, gradients: { ...ask.gradients, seed: pieceSeed } }));
      this.progress.advance(m);
    }
    const out: RunResult = {};
    for (const key of Object.keys(parts[0])) {
      const total = parts.reduce((t, p) => t + p[key].length, 0);
      const joined = new Float32Array(total);
      let offset = 0;
      for (const p of parts) {
        joined.set(p[key], offset);
        offset += p[key].length;
      }
      out[key] = joined;
    }
    return out;
  }
}
