/**
 * `saliency inspect`: a model's input, output, op set, whether every op has a backward
 * rule, and its taps (the inner tensors layer methods can name).
 */
import type { ModelInfo } from '../engine/model.js';
import { openModel } from '../app/model.js';
import { findAttentionTaps } from '../methods/transformer/attention.js';
import { targetKindsFor } from '../targets/spec.js';

/** ModelInfo plus the attention maps found by pattern and the target kinds the output fits. */
export type InspectInfo = ModelInfo & { attention: string[]; targets: string[] };

export async function inspect(options: { model: string }): Promise<InspectInfo> {
  const opened = await openModel(options.model);
  try {
    const info = opened.model.inspect();
    return { ...info, attention: findAttentionTaps(opened.model), targets: targetKindsFor(info.outputShape) };
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
  if (info.attention?.length) lines.push(`attention ${info.attention.length} maps (rollout, chefer): ${info.attention.join(', ')}`);
  lines.push(`taps      ${info.taps.length} (name the tensor or its node)`);
  for (const t of info.taps) lines.push(`  ${t.opType.padEnd(20)} [${t.shape.join(', ')}]`.padEnd(46) + `  ${t.name}`);
  return lines.join('\n');
}
