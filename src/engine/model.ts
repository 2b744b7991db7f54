/**
 * The Model contract every attribution method is written against (DESIGN.md section 2).
 *
 * A method says what it needs (forward values, gradients of a target with respect
 * to the input or inner tensors, under a backward rule set) and the model provides it.
 * Batching lives here, in one place: methods pass any number of examples.
 */
import { SaliencyError } from '../errors.js';

/** What is being explained: a scalar function of one example's model output. */
export interface Target {
  /** Human-readable, e.g. "logit 3" or "probability of 'cat'". */
  readonly label: string;
  /** Whether the cotangent depends on the output values (a probability does; a logit does not). */
  readonly dependsOnOutput: boolean;
  /** The explained scalar for example `index`, given that example's output. */
  value(output: Float32Array, index: number): number;
  /**
   * d value / d output for example `index` (same length as one example's output).
   * Called with `output` = undefined when `dependsOnOutput` is false.
   */
  cotangent(output: Float32Array | undefined, index: number): Float32Array;
}

/** Which backward rules to use: the plain gradient, or a propagation method's rule set. */
export type BackwardRuleName = string;

export interface GradientAsk {
  /** The target, or explicit cotangents of the model output (n x outputSize values). */
  seed: Target | Float32Array;
  /**
   * 'input', tap names (tensor or node), 'bias:<node>' (FullGrad's bias-gradient: gradient x bias),
   * and/or 'weight:<initializer>' (the gradient with respect to a weight or bias, summed over the
   * examples: shaped like the initializer, not per example; ONNX engine).
   */
  wrt: string[];
  /** Rule set name; 'gradient' by default. */
  rule?: BackwardRuleName;
}

export interface RunAsk {
  /** Forward values wanted: 'logits' (the model output) and/or tap names. */
  outputs?: string[];
  gradients?: GradientAsk;
  /**
   * Replace taps by given values (n x prod(tap shape) each): every consumer of the tap
   * reads these instead of the computed value; paths that bypass the tap still run from
   * the input (Ablation-CAM, layer Integrated Gradients). Gradients `wrt` an overridden
   * tap are with respect to the given values. Engines that cannot do it throw.
   */
  overrides?: Record<string, Float32Array>;
}

/**
 * Result of a run, concatenated over the examples in the order given:
 * - `logits` and each requested tap name: forward values;
 * - `grad:<name>` for each wrt entry: gradients;
 * - `target`: the target value per example (when the seed is a Target).
 */
export type RunResult = Record<string, Float32Array>;

export interface TapInfo {
  /** The tensor name (what `outputs` / `wrt` take). */
  name: string;
  /** The node that produces it, and its op type. */
  node: string;
  opType: string;
  /** Shape for one example (batch dimension removed). */
  shape: number[];
}

export interface ModelInfo {
  format: 'onnx' | 'tfjs-layers' | 'tfjs-graph' | 'function';
  inputName: string;
  inputShape: number[];
  outputName: string;
  /** Every output of the model, the explained one (outputName) among them; when there are several, the others are not explained. */
  outputNames?: string[];
  /** One example's shape of each of outputNames, where the engine knows it without running (-1: open). */
  outputShapes?: Array<number[] | undefined>;
  outputShape: number[];
  opset?: number;
  producer?: string;
  /** Op type -> count. */
  ops: Record<string, number>;
  /** Op types on the gradient path from the input to the output that have no backward rule. */
  opsWithoutGradient: string[];
  /** The nodes behind opsWithoutGradient, in graph order (when the format names nodes). */
  nodesWithoutGradient?: Array<{ node: string; opType: string }>;
  /** Layers with a constant bias; `wrt: ['bias:<node>']` gives their FullGrad bias-gradient. */
  biases?: Array<{ node: string; tensor: string; channels: number }>;
  /** Float32 initializers; `wrt: ['weight:<name>']` gives their gradient (summed over the examples). */
  weights?: Array<{ name: string; shape: number[] }>;
  taps: TapInfo[];
  /** What a call's memory grows with, and the batch size chosen from it (engine/memory.ts). */
  memory?: {
    activationBytesPerExample: number;
    /** The default examples per call for this model. */
    preferredBatchSize: number;
    /** The batch size in use (the user's, or the preferred one). */
    batchSize: number;
  };
}

/** A box of an image example [C, H, W]: rows y..y+h-1, columns x..x+w-1, every channel. */
export interface ImageBox {
  y: number;
  x: number;
  h: number;
  w: number;
}

/** An edit of an image example [C, H, W]: the box takes `values` ([C, box.h, box.w], every channel). */
export interface ImageEdit {
  box: ImageBox;
  values: Float32Array;
}

export interface EditOptions {
  /**
   * false (default): every edit applies to the base (independent copies, as runPatched).
   * true: edit t applies to the image after edits 0 .. t-1 (a chain of images, each differing
   * from the one before inside one box: Shapley sampling's orderings).
   */
  chained?: boolean;
  /** Edits per internal chunk. Default: patchedBatchSize. */
  batchSize?: number;
}

export interface Model {
  /** Shape of one example, e.g. [3, 224, 224]. */
  readonly inputShape: readonly number[];
  /** Shape of one example's output, e.g. [1000]. */
  readonly outputShape: readonly number[];
  /** Valid input values, used by baselines. */
  readonly inputRange?: readonly [number, number];
  /** Names of inner tensors a method may ask about. */
  readonly taps: readonly string[];
  /**
   * Examples per `run` call the model works best with: methods stream their points in
   * chunks of this size unless asked otherwise (`batchSize` option). Undefined: 16.
   */
  readonly batchSize?: number;
  /**
   * Progress hook: the model calls it with the number of examples it has just evaluated
   * (forward or forward + backward), piece by piece as it works through a call. The CLI's
   * progress bar sets it; nothing else needs to.
   */
  onProgress?: (examples: number) => void;
  /** Shape of one example of a tap (or of 'input' / 'logits'). */
  shapeOf(name: string): readonly number[];
  /** Forward values and gradients for n examples (batch holds n * prod(inputShape) values). */
  run(batch: Float32Array, ask: RunAsk): Promise<RunResult>;
  inspect(): ModelInfo;
  /**
   * Optional (image models [C, H, W]): the model output, one row per box, of copies of one
   * example `base` in which each box takes the values of `fill` (one example too), in the
   * order of the boxes. Equal to run() on those patched images to float32 rounding; an engine
   * provides it when it can compute it with less work (the ONNX engine recomputes only the
   * layers a box reaches: engine/incremental.ts). Occlusion uses it when it exists.
   */
  runPatched?(base: Float32Array, fill: Float32Array, boxes: readonly ImageBox[]): Promise<Float32Array>;
  /**
   * Optional (image models [C, H, W]): the model output, one row per edit, of the images that
   * `edits` make from one example `base`: each edit applied to the base alone, or (chained) to
   * the image the previous edits made. Equal to run() on those images to float32 rounding; the
   * ONNX engine recomputes only the layers each box reaches (engine/editedRuns.ts). Memory
   * holds the edits' boxes, never one image per edit.
   */
  runEdited?(base: Float32Array, edits: readonly ImageEdit[], options?: EditOptions): Promise<Float32Array>;
  /** Boxes per runPatched call the model works best with (a patched image costs less memory than a full one). Undefined: batchSize. */
  readonly patchedBatchSize?: number;
  /** Release sessions and caches. The model cannot be used afterwards. */
  dispose(): Promise<void>;
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Values given to a model that it cannot take: an empty or misshapen batch, NaN or infinities. */
export class ModelInputError extends SaliencyError {
  override name = 'ModelInputError';
  constructor(message: string) {
    super('bad-input', message);
  }
}

/** Number of examples in a flat batch, with a clear error when the size does not fit. */
export function countExamples(batch: Float32Array, inputShape: readonly number[]): number {
  const per = sizeOfShape(inputShape);
  if (batch.length === 0) throw new ModelInputError('the batch is empty: give at least one example');
  if (batch.length % per !== 0) {
    throw new ModelInputError(
      `input of ${batch.length} values does not hold a whole number of examples of shape [${inputShape.join(', ')}] ` +
        `(${per} values each). Check the layout (NCHW vs NHWC) and the image size.`,
    );
  }
  return batch.length / per;
}

/** Engines without tap overrides call this first in run(), so a method never gets silently wrong values. */
export function refuseOverrides(ask: RunAsk, engine: string): void {
  if (ask.overrides && Object.keys(ask.overrides).length > 0) {
    throw new Error(`${engine} models cannot replace a tap's values (overrides: Ablation-CAM, layer Integrated Gradients); use an ONNX model`);
  }
}
