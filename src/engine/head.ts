/**
 * The linear head of a classification network, read from an ONNX graph for CAM
 * (Zhou et al. 2016): feature map -> GlobalAveragePool (or ReduceMean over the spatial
 * axes) -> optional Flatten / Reshape / Squeeze -> Gemm (or MatMul [+ Add]) = the model
 * output. Returns the weights as [classes, channels]; errors name the missing piece.
 */
import type { Graph, Node, Tensor } from '../graph/ir.js';
import { attrFloat, attrInt, attrInts, attrTensor, tensorNumbers } from '../graph/ir.js';
import { SaliencyError } from '../errors.js';

/** The model has no GAP + linear head where CAM needs one (the message names what is missing). */
export class HeadShapeError extends SaliencyError {
  override name = 'HeadShapeError';
  constructor(message: string) {
    super('bad-model', message);
  }
}

export interface LinearHead {
  /** Weights [classes, channels] (Gemm's alpha and transB applied). */
  weights: Float32Array;
  classes: number;
  channels: number;
  /** Node names from the pooling to the output. */
  path: string[];
}

const SHAPE_ONLY = new Set(['Flatten', 'Reshape', 'Squeeze']);

function constantOf(graph: Graph, name: string): Tensor | undefined {
  const init = graph.initializers.get(name);
  if (init) return init.value();
  const producer = graph.nodes.find((n) => n.opType === 'Constant' && n.outputs[0] === name);
  return producer ? attrTensor(producer, 'value') : undefined;
}

function consumers(graph: Graph, tensor: string): Node[] {
  return graph.nodes.filter((n) => n.inputs.includes(tensor));
}

function only(graph: Graph, tensor: string, what: string): Node {
  const users = consumers(graph, tensor);
  if (users.length !== 1) {
    throw new HeadShapeError(`CAM needs ${what}, but '${tensor}' is used by ${users.length} nodes (${users.map((u) => u.opType).join(', ') || 'none'})`);
  }
  return users[0];
}

export function findLinearHead(graph: Graph, tensor: string, outputName: string): LinearHead {
  const shape = 'a conv -> global average pool -> (flatten) -> linear head (Gemm or MatMul) ending at the model output';
  const pool = consumers(graph, tensor).find((n) => n.opType === 'GlobalAveragePool' || n.opType === 'ReduceMean');
  if (!pool) {
    const users = consumers(graph, tensor).map((n) => `${n.opType} '${n.name}'`);
    throw new HeadShapeError(`CAM needs ${shape}; layer '${tensor}' feeds ${users.join(', ') || 'nothing'}, not a GlobalAveragePool / ReduceMean. Use gradcam (equal to CAM up to 1/hw on such heads) for other models`);
  }
  if (pool.opType === 'ReduceMean') {
    const axes = attrInts(pool, 'axes') ?? (pool.inputs[1] ? tensorNumbers(constantOf(graph, pool.inputs[1])!) : undefined);
    const spatial = axes?.map((a) => (a < 0 ? a + 4 : a)).sort().join(',');
    if (spatial !== '2,3') throw new HeadShapeError(`CAM needs ${shape}; ReduceMean '${pool.name}' averages axes [${axes?.join(', ') ?? 'all'}], not the spatial axes [2, 3]`);
  }
  const path = [pool.name];
  let cur = pool.outputs[0];
  let node = only(graph, cur, shape);
  while (SHAPE_ONLY.has(node.opType)) {
    path.push(node.name);
    cur = node.outputs[0];
    node = only(graph, cur, shape);
  }
  let weights: Tensor | undefined;
  let transposed = false;
  let alpha = 1;
  if (node.opType === 'Gemm') {
    if (node.inputs[0] !== cur || attrInt(node, 'transA', 0) !== 0) throw new HeadShapeError(`CAM needs ${shape}; Gemm '${node.name}' takes the pooled features as its second operand or transposed`);
    weights = constantOf(graph, node.inputs[1]);
    transposed = attrInt(node, 'transB', 0) === 1;
    alpha = attrFloat(node, 'alpha', 1);
  } else if (node.opType === 'MatMul' && node.inputs[0] === cur) {
    weights = constantOf(graph, node.inputs[1]);
  } else {
    throw new HeadShapeError(`CAM needs ${shape}; after the pooling comes ${node.opType} '${node.name}', not a Gemm / MatMul`);
  }
  if (!weights || weights.dims.length !== 2) throw new HeadShapeError(`CAM needs ${shape}; the weights of '${node.name}' are not a constant matrix`);
  path.push(node.name);
  let out = node.outputs[0];
  if (node.opType === 'MatMul' && out !== outputName) {
    const add = only(graph, out, shape);
    if (add.opType !== 'Add') throw new HeadShapeError(`CAM needs ${shape}; MatMul '${node.name}' is followed by ${add.opType}`);
    path.push(add.name);
    out = add.outputs[0];
  }
  if (out !== outputName) throw new HeadShapeError(`CAM needs ${shape}; the linear layer's output '${out}' is not the model output '${outputName}' (something follows it)`);
  const [r, c] = weights.dims;
  const [classes, channels] = transposed ? [r, c] : [c, r];
  const data = weights.data as Float32Array;
  const w = new Float32Array(classes * channels);
  for (let k = 0; k < classes; k++) for (let ch = 0; ch < channels; ch++) w[k * channels + ch] = alpha * data[transposed ? k * c + ch : ch * c + k];
  return { weights: w, classes, channels, path };
}
