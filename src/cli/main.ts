#!/usr/bin/env node
/**
 * The `saliency` command. Exit codes: 0 success, 1 a check failed, 2 bad usage, 3 bad input.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOnnxModel } from '../engine/onnx.js';
import { readNpy } from '../io/npy.js';

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, badInput: 3 } as const;

/** Where the shipped fixtures live (works from src/ under tsx and from dist/src/ once built). */
function fixturesDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const up of ["../../fixtures/torch"]) {
    const dir = join(here, up);
    try {
      readFileSync(join(dir, 'manifest.json'));
      return dir;
    } catch {
      // try the next layout
    }
  }
  throw new Error('the shipped fixtures (fixtures/torch/manifest.json) are missing from this install');
}

function relativeL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

class BadInput extends Error {}

async function inspect(modelPath: string, json: boolean): Promise<void> {
  let model;
  try {
    model = await loadOnnxModel(modelPath);
  } catch (e) {
    throw new BadInput((e as Error).message);
  }
  try {
    const info = model.inspect();
    if (json) {
      console.log(JSON.stringify(info, null, 2));
      return;
    }
    console.log(`model     ${modelPath} (ONNX opset ${info.opset}${info.producer ? `, from ${info.producer}` : ''})`);
    console.log(`input     ${info.inputName} [N, ${info.inputShape.join(', ')}]`);
    console.log(`output    ${info.outputName} [N, ${info.outputShape.join(', ')}]`);
    console.log(`ops       ${Object.entries(info.ops).map(([k, v]) => `${k}x${v}`).join(' ')}`);
    console.log(
      `gradient  ${info.opsWithoutGradient.length === 0 ? 'every op has a backward rule' : `no backward rule for: ${info.opsWithoutGradient.join(', ')}`}`,
    );
    console.log(`taps      ${info.taps.length} (name the tensor or its node)`);
    for (const t of info.taps) console.log(`  ${t.opType.padEnd(20)} [${t.shape.join(', ')}]`.padEnd(46) + `  ${t.name}`);
  } finally {
    await model.dispose();
  }
}

interface DemoRow {
  model: string;
  opset: number;
  ops: number;
  gradientError: number;
  tapGradientError: number;
  ms: number;
}

/** The embedded default: gradients of the shipped CNNs, checked against PyTorch autograd. */
async function demo(json: boolean): Promise<boolean> {
  const dir = fixturesDir();
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    models: Array<{ name: string; file: string; opset: number; tap: { tensor: string } }>;
  };
  const rows: DemoRow[] = [];
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
  const ok = rows.every((r) => r.gradientError < 1e-4 && r.tapGradientError < 1e-4);
  if (json) {
    console.log(JSON.stringify({ ok, tolerance: 1e-4, models: rows }, null, 2));
  } else {
    console.log('Gradients compiled into the ONNX graph, against PyTorch autograd (relative L2; tolerance 1e-4):\n');
    console.log('model            opset  op types  input grad   tap grad    first call');
    for (const r of rows) {
      console.log(
        `${r.model.padEnd(16)} ${String(r.opset).padStart(5)}  ${String(r.ops).padStart(8)}  ${r.gradientError.toExponential(2).padStart(9)}  ${r.tapGradientError
          .toExponential(2)
          .padStart(9)}  ${r.ms.toFixed(0).padStart(7)} ms`,
      );
    }
    console.log(`\n${ok ? 'all agree' : 'MISMATCH: some gradients disagree with PyTorch'}`);
  }
  return ok;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  let code: number = EXIT.ok;
  program
    .name('saliency')
    .description('Saliency Lab: attributions for ONNX models, and tests of whether to trust them')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command('demo')
    .description('compute gradients of the shipped CNNs and check them against PyTorch autograd')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      code = (await demo(Boolean(opts.json))) ? EXIT.ok : EXIT.checkFailed;
    });
  program
    .command('inspect')
    .description("list a model's input, output, ops and taps (inner tensors layer methods can name)")
    .requiredOption('-m, --model <file>', 'ONNX model file')
    .option('--json', 'machine-readable output')
    .action(async (opts: { model: string; json?: boolean }) => {
      await inspect(opts.model, Boolean(opts.json));
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (e instanceof BadInput) {
      console.error(`error: ${e.message}`);
      return EXIT.badInput;
    }
    console.error(`error: ${(e as Error).message}`);
    return EXIT.checkFailed;
  }
  return code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((c) => process.exit(c));
}
