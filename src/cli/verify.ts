/**
 * `saliency verify`: the engine's gradients of the shipped CNNs (fixtures/torch/) against
 * PyTorch autograd, in relative L2. A mismatch is a failed check (exit code 1).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOnnxModel } from '../engine/onnx.js';
import { readNpy } from '../io/npy.js';
import { relativeL2 } from '../engine/numeric.js';
import { packageRoot } from '../app/package.js';

export const VERIFY_TOLERANCE = 1e-4;

export { packageRoot };

/** The shipped CNNs (fixtures/torch) and the transformer/modern architectures (fixtures/arch). */
const FIXTURE_SETS = ['torch', 'arch'];

function fixturesDir(set: string): string {
  const dir = join(packageRoot(), 'fixtures', set);
  try {
    readFileSync(join(dir, 'manifest.json'));
  } catch {
    throw new Error(`the shipped fixtures (${join(dir, 'manifest.json')}) are missing from this install`);
  }
  return dir;
}

export interface VerifyRow {
  model: string;
  opset: number;
  ops: number;
  gradientError: number;
  tapGradientError: number;
  ms: number;
}

export interface VerifyResult {
  ok: boolean;
  tolerance: number;
  models: VerifyRow[];
}

export async function verify(): Promise<VerifyResult> {
  const rows: VerifyRow[] = [];
  for (const set of FIXTURE_SETS) {
    const dir = fixturesDir(set);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      models: Array<{ name: string; file: string; opset: number; tap: { tensor: string } }>;
    };
    for (const m of manifest.models) {
      const model = await loadOnnxModel(join(dir, m.file));
      try {
        const load = (what: string) => readNpy(join(dir, `${m.name}.${what}.npy`)).data as Float32Array;
        const x = load('input');
        const seed = load('seed');
        const t0 = performance.now();
        const r = await model.run(x, { gradients: { seed, wrt: ['input', m.tap.tensor] } });
        const ms = performance.now() - t0;
        rows.push({
          model: m.name,
          opset: m.opset,
          ops: Object.keys(model.inspect().ops).length,
          gradientError: relativeL2(r['grad:input'], load('grad_input')),
          tapGradientError: relativeL2(r[`grad:${m.tap.tensor}`], load('tap_grad')),
          ms,
        });
      } finally {
        await model.dispose();
      }
    }
  }
  const ok = rows.every((r) => r.gradientError < VERIFY_TOLERANCE && r.tapGradientError < VERIFY_TOLERANCE);
  return { ok, tolerance: VERIFY_TOLERANCE, models: rows };
}

export function describeVerify(v: VerifyResult): string {
  const lines = [`Gradients compiled into the ONNX graph, against PyTorch autograd (relative L2; tolerance ${v.tolerance}):`, ''];
  lines.push('model            opset  op types  input grad   tap grad    first call');
  for (const r of v.models) {
    lines.push(
      `${r.model.padEnd(16)} ${String(r.opset).padStart(5)}  ${String(r.ops).padStart(8)}  ${r.gradientError.toExponential(2).padStart(9)}  ${r.tapGradientError
        .toExponential(2)
        .padStart(9)}  ${r.ms.toFixed(0).padStart(7)} ms`,
    );
  }
  lines.push('', v.ok ? 'all agree' : 'MISMATCH: some gradients disagree with PyTorch');
  return lines.join('\n');
}
