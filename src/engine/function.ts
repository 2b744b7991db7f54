/**
 * A Model from plain JavaScript functions: a forward function and its vector-Jacobian
 * product (the gradient of <cotangent, output> with respect to the input). For analytic
 * checks of attribution methods (f(x) = 1 - ReLU(1 - x), linear models, ...) and for
 * users whose model is not an ONNX file. It has no taps and only the plain gradient.
 */
import type { Model, ModelInfo, RunAsk, RunResult, Target } from './model.js';
import { refuseOverrides, sizeOfShape } from './model.js';
import { checkRequest } from './request.js';

export interface FunctionModelSpec {
  /** Shape of one example's input and output. */
  inputShape: readonly number[];
  outputShape: readonly number[];
  inputRange?: readonly [number, number];
  /** Output of one example. */
  forward(x: Float32Array): ArrayLike<number>;
  /** d <cotangent, forward(x)> / dx for one example (same length as x). */
  vjp?(x: Float32Array, cotangent: Float32Array): ArrayLike<number>;
  /** Examples per call (reported in `calls`, like an engine's batch). Default 16. */
  batchSize?: number;
}

export class FunctionModel implements Model {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inputRange?: readonly [number, number];
  readonly taps: readonly string[] = [];
  readonly batchSize: number;
  onProgress?: (examples: number) => void;
  /** Number of examples evaluated (forward) and differentiated, for tests. */
  forwardCount = 0;
  backwardCount = 0;
  /** Number of run() calls. */
  calls = 0;

  constructor(private readonly spec: FunctionModelSpec) {
    this.inputShape = [...spec.inputShape];
    this.outputShape = [...spec.outputShape];
    if (spec.inputRange) this.inputRange = spec.inputRange;
    this.batchSize = spec.batchSize ?? 16;
  }

  shapeOf(name: string): readonly number[] {
    if (name === 'input') return this.inputShape;
    if (name === 'logits' || name === 'output') return this.outputShape;
    throw new Error(`a function model has no tap '${name}' (only 'input' and 'logits')`);
  }

  async run(batch: Float32Array, ask: RunAsk): Promise<RunResult> {
    refuseOverrides(ask, 'plain-function');
    this.calls++;
    const n = checkRequest(batch, this.inputShape, this.outputShape, ask, { finite: false });
    const per = sizeOfShape(this.inputShape);
    const outSize = sizeOfShape(this.outputShape);
    for (const o of ask.outputs ?? []) this.shapeOf(o);
    const g = ask.gradients;
    if (g) {
      if ((g.rule ?? 'gradient') !== 'gradient') throw new Error(`a function model only has the plain gradient, not rule set '${g.rule}'`);
      for (const w of g.wrt) if (w !== 'input') throw new Error(`a function model gives gradients with respect to 'input' only, not '${w}'`);
      if (!this.spec.vjp) throw new Error('this function model has no vjp: gradients are not available');
    }
    const logits = new Float32Array(n * outSize);
    for (let i = 0; i < n; i++) {
      const y = this.spec.forward(batch.subarray(i * per, (i + 1) * per));
      if (y.length !== outSize) throw new Error(`forward returned ${y.length} values; expected ${outSize}`);
      logits.set(y, i * outSize);
    }
    this.forwardCount += n;
    const result: RunResult = {};
    if ((ask.outputs ?? []).some((o) => o === 'logits' || o === 'output')) result['logits'] = logits;
    if (g) {
      const target = g.seed instanceof Float32Array ? undefined : (g.seed as Target);
      const grad = new Float32Array(n * per);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const row = logits.subarray(i * outSize, (i + 1) * outSize);
        const cot = target ? target.cotangent(target.dependsOnOutput ? row : undefined, i) : (g.seed as Float32Array).subarray(i * outSize, (i + 1) * outSize);
        if (cot.length !== outSize) throw new Error(`cotangent of ${cot.length} values; expected ${outSize}`);
        const gx = this.spec.vjp!(batch.subarray(i * per, (i + 1) * per), Float32Array.from(cot));
        grad.set(gx, i * per);
        if (target) values[i] = target.value(row, i);
      }
      this.backwardCount += n;
      for (const w of g.wrt) result[`grad:${w}`] = grad;
      if (target) result['target'] = values;
    }
    this.onProgress?.(n);
    return result;
  }

  inspect(): ModelInfo {
    return {
      format: 'function',
      inputName: 'input',
      inputShape: [...this.inputShape],
      outputName: 'logits',
      outputShape: [...this.outputShape],
      ops: {},
      opsWithoutGradient: [],
      taps: [],
    };
  }

  async dispose(): Promise<void> {}
}

export function functionModel(spec: FunctionModelSpec): FunctionModel {
  return new FunctionModel(spec);
}
