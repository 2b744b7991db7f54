/**
 * `saliency inspect`: a model's input, output, op set, whether every op has a backward
 * rule, and its taps (the inner tensors layer methods can name).
 */
import type { ModelInfo } from '../engine/model.js';
import { openModel } from '../app/model.js';
import { camLayers, resolveCamLayer } from '../methods/cam/layers.js';
import { findAttentionTaps } from '../methods/transformer/attention.js';
import { targetKindsFor } from '../targets/spec.js';

/** One output of the model: its shape (one example; undefined when the engine does not know it) and the target kinds that fit it. */
export interface InspectOutput { name: string; shape?: number[]; explained: boolean; targets: string[] }

/**
 * ModelInfo plus the CAM candidate layers (last = `--layer auto`), the attention maps found by
 * pattern, the target kinds the explained output fits, and every output with its target kinds.
 */
export type InspectInfo = ModelInfo & { camLayers: Array<{ name: string; shape: number[]; layout: string }>; camAuto?: string; attention: string[]; targets: string[]; outputs: InspectOutput[] };

/** Each output of the model, its shape read from the explained output or the taps. */
function outputsOf(info: ModelInfo): InspectOutput[] {
  const names = info.outputNames?.length ? info.outputNames : [info.outputName];
  return names.map((name, k) => {
    const explained = name === info.outputName || info.outputName.startsWith(`${name} `);
    const shape = explained ? info.outputShape : (info.outputShapes?.[k] ?? info.taps.find((t) => t.name === name || t.node === name)?.shape);
    return { name, shape: shape && [...shape], explained, targets: shape ? targetKindsFor(shape) : [] };
  });
}

export async function inspect(options: { model: string; output?: string }): Promise<InspectInfo> {
  const opened = await openModel(options.model, { output: options.output });
  try {
    const info = opened.model.inspect();
    const layers = camLayers(opened.model).map((l) => ({ name: l.name, shape: l.shape, layout: l.layout }));
    let camAuto: string | undefined;
    try {
      camAuto = layers.length ? resolveCamLayer(opened.model, 'auto').name : undefined;
    } catch {
      camAuto = undefined;
    }
    return { ...info, camLayers: layers, camAuto, attention: findAttentionTaps(opened.model), targets: targetKindsFor(info.outputShape), outputs: outputsOf(info) };
  } finally {
    await opened.dispose();
  }
}

export function describeInspect(spec: string, info: ModelInfo & Partial<InspectInfo>): string {
  const lines: string[] = [];
  const origin = info.format === 'onnx' ? `ONNX opset ${info.opset}${info.producer ? `, from ${info.producer}` : ''}` : (info.producer ?? info.format);
  lines.push(`model     ${spec} (${origin})`);
  lines.push(`input     ${info.inputName} [N, ${info.inputShape.join(', ')}]`);
  lines.push(`output    ${info.outputName} [N, ${info.outputShape.join(', ')}]`);
  lines.push(`ops       ${Object.entries(info.ops).map(([k, v]) => `${k}x${v}`).join(' ')}`);
  lines.push(`gradient  ${info.opsWithoutGradient.length === 0 ? 'every op has a backward rule' : `no backward rule for: ${info.opsWithoutGradient.join(', ')}`}`);
  if (info.targets) lines.push(`targets   ${info.targets.join('; ') || 'none of the known kinds fits this output'}`);
  const others = (info.outputs ?? []).filter((o) => !o.explained);
  if (others.length) {
    lines.push(`outputs   ${others.length + 1}: the one above is explained; another with --output NAME`);
    for (const o of others) {
      lines.push(`  ${o.name} ${o.shape ? `[N, ${o.shape.join(', ')}]` : '(shape unknown)'}`);
      lines.push(`    targets ${o.targets.join('; ') || (o.shape ? 'none of the known kinds fits this output' : 'unknown until explained with --output')}`);
    }
  }
  if (info.attention?.length) lines.push(`attention ${info.attention.length} maps (rollout, chefer): ${info.attention.join(', ')}`);
  lines.push(`taps      ${info.taps.length} (name the tensor or its node)`);
  for (const t of info.taps) lines.push(`  ${t.opType.padEnd(20)} [${t.shape.join(', ')}]`.padEnd(46) + `  ${t.name}`);
  if (info.camLayers) {
    const spatial = info.camLayers.filter((l) => l.layout !== 'tokens');
    const auto = info.camAuto ?? (spatial.at(-1) ?? info.camLayers.at(-1))?.name;
    lines.push(`cam       ${info.camLayers.length} candidate layers for --layer (CAM family)${auto ? `; auto = ${auto}` : ''}`);
    for (const l of info.camLayers.slice(-8)) lines.push(`  ${l.layout.padEnd(20)} [${l.shape.join(', ')}]`.padEnd(46) + `  ${l.name}`);
  }
  return lines.join('\n');
}
