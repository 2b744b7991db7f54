/**
 * Which inner tensor a CAM reads, and how its values are laid out.
 *
 * A layer is given by tensor or node name, by a negative index among the spatial layers
 * (-1 = the last one), or as 'auto': the last spatial feature map of the network, which in
 * classification CNNs is the one feeding the global pooling (taps are in graph order).
 * Spatial layers are taps with one example of rank 3 whose spatial extent is more than
 * one position: [C, h, w] in ONNX models, [h, w, C] in TensorFlow.js models (their native
 * layout) and at an ONNX LayerNormalization (it normalises the last axis: Swin's stages). Token layers [T, C] (vision transformers) become [C, h, w] maps when T or
 * T - 1 is a square (the first, class, token dropped), pytorch-grad-cam's
 * reshape_transform idea; 'auto' picks one when the model is a transformer (its last
 * candidate is a token layer: see transformerLayer), or when it has no spatial layer.
 */
import type { Model, ModelInfo, TapInfo } from '../../engine/model.js';

export type TapLayout = 'NCHW' | 'NHWC' | 'tokens';

export interface CamLayer {
  /** Tensor name (what model.run's outputs / wrt take). */
  name: string;
  node: string;
  opType: string;
  /** One example's shape as the model gives it. */
  shape: number[];
  layout: TapLayout;
  channels: number;
  height: number;
  width: number;
  /** Leading tokens dropped (the class token) for token layers. */
  skipTokens: number;
}

const inspected = new WeakMap<Model, ModelInfo>();

/**
 * model.inspect(), once per model (read-only): an ONNX model's inspect() walks the whole
 * graph (9 ms on mobilenet_v2), which a 15 ms Grad-CAM call must not pay several times.
 */
export function modelInfo(model: Model): ModelInfo {
  let info = inspected.get(model);
  if (!info) inspected.set(model, (info = model.inspect()));
  return info;
}

/** Taps of TensorFlow.js models are in the model's native NHWC layout. */
export function tapLayoutOf(model: Model): 'NCHW' | 'NHWC' {
  return modelInfo(model).format.startsWith('tfjs') ? 'NHWC' : 'NCHW';
}

function describe(tap: TapInfo, modelLayout: 'NCHW' | 'NHWC'): CamLayer | undefined {
  const s = tap.shape;
  // a LayerNormalization normalises its last axis: channels last (Swin's [h, w, C], ConvNeXt's permuted norms)
  const layout = tap.opType === 'LayerNormalization' ? 'NHWC' : modelLayout;
  if (s.length === 3) {
    const [channels, height, width] = layout === 'NCHW' ? [s[0], s[1], s[2]] : [s[2], s[0], s[1]];
    if (height * width <= 1) return undefined;
    return { name: tap.name, node: tap.node, opType: tap.opType, shape: [...s], layout, channels, height, width, skipTokens: 0 };
  }
  if (s.length === 2) {
    for (const skip of [0, 1]) {
      const side = Math.round(Math.sqrt(s[0] - skip));
      if (side > 1 && side * side === s[0] - skip) {
        return { name: tap.name, node: tap.node, opType: tap.opType, shape: [...s], layout: 'tokens', channels: s[1], height: side, width: side, skipTokens: skip };
      }
    }
  }
  return undefined;
}

/** Candidate CAM layers in graph order: spatial layers, then token layers (for `saliency inspect`). */
export function camLayers(model: Model): CamLayer[] {
  const layout = tapLayoutOf(model);
  const all = modelInfo(model).taps.map((t) => describe(t, layout)).filter((l): l is CamLayer => l !== undefined);
  return [...all.filter((l) => l.layout !== 'tokens'), ...all.filter((l) => l.layout === 'tokens')];
}

function listing(layers: CamLayer[]): string {
  const shown = layers.slice(-8).map((l) => `${l.name} [${l.shape.join(', ')}]`);
  return (layers.length > 8 ? `... (${layers.length - 8} more), ` : '') + shown.join(', ');
}

/**
 * 'auto' for a transformer (its last CAM candidate in graph order is a token layer): the
 * input of the last attention, as pytorch-grad-cam advises for ViT and Swin
 * (`blocks[-1].norm1`): the last token LayerNormalization before the last Softmax, else
 * the last token layer of the model's width there. Later token layers (the final norm of a
 * ViT) reach the class token only, so their gradients vanish at the patch tokens.
 */
function transformerLayer(model: Model): CamLayer | undefined {
  const layout = tapLayoutOf(model);
  const taps = modelInfo(model).taps;
  const described = taps.map((t) => describe(t, layout));
  const lastCandidate = described.filter((l) => l !== undefined).at(-1);
  if (lastCandidate?.layout !== 'tokens') return undefined;
  const softmax = taps.map((t) => t.opType).lastIndexOf('Softmax');
  const before = described.slice(0, softmax < 0 ? taps.length : softmax).filter((l): l is CamLayer => l?.layout === 'tokens' && l.channels === lastCandidate.channels);
  return before.filter((l) => l.opType === 'LayerNormalization').at(-1) ?? before.at(-1) ?? lastCandidate;
}

/** Resolve a layer spec ('auto', -k, a tensor or node name) to a CAM layer, or throw naming the candidates. */
export function resolveCamLayer(model: Model, spec: string | number = 'auto'): CamLayer {
  const layers = camLayers(model);
  const spatial = layers.filter((l) => l.layout !== 'tokens');
  const text = typeof spec === 'number' ? String(spec) : spec.trim();
  if (text === 'auto') {
    const pick = transformerLayer(model) ?? spatial.at(-1) ?? layers.filter((l) => l.layout === 'tokens').at(-1);
    if (!pick) {
      throw new Error(
        'no spatial layer in this model for a CAM: every tap is rank 1, or [C, 1, 1], or tokens whose count is not a square. ' +
          '`saliency inspect` lists the taps; give one with --layer NAME',
      );
    }
    return pick;
  }
  if (/^-\d+$/.test(text)) {
    const k = Number(text);
    const pick = spatial.at(k);
    if (!pick) throw new Error(`layer ${k}: the model has ${spatial.length} spatial layers (-1 .. -${spatial.length}); candidates: ${listing(spatial)}`);
    return pick;
  }
  const byName = layers.find((l) => l.name === text) ?? layers.find((l) => l.node === text);
  if (byName) return byName;
  const tap = modelInfo(model).taps.find((t) => t.name === text || t.node === text);
  if (tap) {
    throw new Error(
      `layer '${text}' has shape [${tap.shape.join(', ')}], not a spatial map [C, h, w] (or square tokens [T, C]); ` +
        `choose a spatial layer: ${listing(spatial.length ? spatial : layers)}`,
    );
  }
  throw new Error(`no layer named '${text}' in the model; spatial layers (tensor names): ${listing(spatial.length ? spatial : layers)}`);
}

/**
 * One example's tap values (as the model gives them) -> [C, h, w] channel-first, into `dest`.
 */
export function toChannelFirst(src: Float32Array, layer: CamLayer, dest: Float32Array): void {
  const { channels: C, height: h, width: w } = layer;
  const hw = h * w;
  if (layer.layout === 'NCHW') {
    dest.set(src.subarray(0, C * hw));
    return;
  }
  const skip = layer.skipTokens * C;
  for (let p = 0; p < hw; p++) for (let c = 0; c < C; c++) dest[c * hw + p] = src[skip + p * C + c];
}
