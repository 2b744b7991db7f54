/**
 * The linear head of a tfjs GraphModel, for CAM (Zhou et al. 2016), read from its
 * topology: the layer -> Mean over axes [1, 2] (channels-last global average pooling) ->
 * optional Reshape / Squeeze / Identity -> MatMul (+ BiasAdd / AddV2 of a constant), or
 * a _FusedMatMul whose only fused op is BiasAdd, = the logits (the node the model runs as
 * its output, its softmax removed). Returns the kernel as [classes, channels]; errors name
 * the missing piece.
 */
import { HeadShapeError, type LinearHead } from '../head.js';

/** A node of the topology as written in model.json (attributes as protobuf JSON). */
export interface RawGraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { b?: boolean; list?: { s?: string[]; i?: string[] } } | undefined>;
}

/** A constant of the model (a weight), by node name. */
export type ConstantOf = (name: string) => { values: Float32Array | Int32Array; shape: number[] } | undefined;

const SHAPE = 'a conv -> Mean over axes [1, 2] -> (Reshape) -> MatMul (+ bias) head ending at the model output';
const PASS_THROUGH = new Set(['Reshape', 'Squeeze', 'Identity']);
const nodeOf = (input: string) => input.replace(/^\^/, '').replace(/:\d+$/, '');
const decode = (s: string) => (typeof atob === 'function' ? atob(s) : s);

/** `opOf` gives a node's original op (fused ops are renamed at load); `output` is the node run as the logits. */
export function findGraphHead(nodes: readonly RawGraphNode[], opOf: (n: RawGraphNode) => string, constant: ConstantOf, tap: string, output: string): LinearHead {
  const consumers = (name: string) => nodes.filter((n) => (n.input ?? []).some((i) => !i.startsWith('^') && nodeOf(i) === name));
  const only = (name: string): RawGraphNode => {
    const users = consumers(name);
    if (users.length !== 1) throw new HeadShapeError(`CAM needs ${SHAPE}, but '${name}' feeds ${users.length} nodes (${users.map(opOf).join(', ') || 'none'})`);
    return users[0];
  };
  const pool = consumers(tap).find((n) => opOf(n) === 'Mean');
  if (!pool) {
    const users = consumers(tap).map((n) => `${opOf(n)} '${n.name}'`);
    throw new HeadShapeError(`CAM needs ${SHAPE}; '${tap}' feeds ${users.join(', ') || 'nothing'}, not a Mean. Use gradcam (equal to CAM up to 1/hw on such heads) for other models`);
  }
  const axes = constant(nodeOf(pool.input?.[1] ?? ''));
  if (!axes || [...axes.values].sort().join() !== '1,2') throw new HeadShapeError(`CAM needs ${SHAPE}; Mean '${pool.name}' does not average axes [1, 2] (height and width, channels last)`);
  const path = [pool.name];
  let node = only(pool.name);
  while (PASS_THROUGH.has(opOf(node))) {
    path.push(node.name);
    node = only(node.name);
  }
  const op = opOf(node);
  const fused = (node.attr?.['fused_ops']?.list?.s ?? []).map(decode);
  if (op === '_FusedMatMul' && fused.join() !== 'BiasAdd') throw new HeadShapeError(`CAM needs ${SHAPE}; _FusedMatMul '${node.name}' fuses ${fused.join(' + ')}, not a bias alone`);
  if (op !== 'MatMul' && op !== '_FusedMatMul') throw new HeadShapeError(`CAM needs ${SHAPE}; after the pooling comes ${op} '${node.name}', not a MatMul`);
  if (node.attr?.['transpose_a']?.b) throw new HeadShapeError(`CAM needs ${SHAPE}; MatMul '${node.name}' transposes the pooled features`);
  const matmul = node;
  path.push(node.name);
  if (op === 'MatMul' && node.name !== output) {
    const bias = only(node.name);
    if (!['BiasAdd', 'AddV2', 'Add'].includes(opOf(bias)) || !(bias.input ?? []).some((i) => constant(nodeOf(i)))) {
      throw new HeadShapeError(`CAM needs ${SHAPE}; MatMul '${node.name}' is followed by ${opOf(bias)} '${bias.name}', not a constant bias`);
    }
    node = bias;
    path.push(node.name);
  }
  if (node.name !== output) throw new HeadShapeError(`CAM needs ${SHAPE}; '${node.name}' is not the model output (the logits are '${output}')`);
  const kernel = constant(nodeOf(matmul.input?.[1] ?? ''));
  if (!kernel || kernel.shape.length !== 2) throw new HeadShapeError(`CAM needs ${SHAPE}; MatMul '${matmul.name}' has no constant kernel matrix`);
  const transposed = matmul.attr?.['transpose_b']?.b === true;
  const [channels, classes] = transposed ? [kernel.shape[1], kernel.shape[0]] : [kernel.shape[0], kernel.shape[1]];
  const weights = new Float32Array(classes * channels);
  for (let k = 0; k < classes; k++) for (let c = 0; c < channels; c++) weights[k * channels + c] = kernel.values[transposed ? k * channels + c : c * classes + k];
  return { weights, classes, channels, path };
}
