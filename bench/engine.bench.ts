/**
 * Engine benchmark: forward b1/b16 and forward+backward b16 (input gradient of one
 * logit per example) on torchvision mobilenet_v2 and resnet18 (random weights,
 * exported by bench/export_models.py outside git), against PyTorch measured in the
 * same run, alternating rounds. Writes JSON to bench/results/.
 *
 *   npm run bench                      # both models, 3 rounds
 *   npm run bench -- --models resnet18 --rounds 2 --threads 1
 */
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadOnnxModel } from '../src/engine/onnx.js';
import { classLogit } from '../src/targets/index.js';
import { median, runBenchmark, timeRuns, writeResult } from './common.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'mobilenet_v2,resnet18' },
    rounds: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '5' },
    threads: { type: 'string' },
    out: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
  },
});

const PYTHON = '/usr/bin/python3';
const here = new URL('.', import.meta.url).pathname;
const modelsDir = join(here, 'models');
const names = args.models!.split(',');
const rounds = Number(args.rounds);
const repeats = Number(args.repeats);

function torchAvailable(): boolean {
  if (args['no-torch'] || !existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
}

function ensureModels(): void {
  const missing = names.filter((n) => !existsSync(join(modelsDir, `${n}.onnx`)));
  if (missing.length === 0) return;
  if (!torchAvailable()) {
    throw new Error(
      `bench models missing (${missing.join(', ')}) and PyTorch is not available to export them: ` +
        'apt-get install python3-torch python3-torchvision python3-onnx, then run npm run bench again',
    );
  }
  console.error(`exporting ${missing.join(', ')} to ${modelsDir} ...`);
  execFileSync(PYTHON, [join(here, 'export_models.py'), '--out', modelsDir], { stdio: 'inherit' });
}


const timeIt = (fn: () => Promise<unknown>) => timeRuns(fn, repeats);

type Measure = 'forward_b1_ms' | 'forward_b16_ms' | 'fwd_bwd_b16_ms';
const MEASURES: Measure[] = ['forward_b1_ms', 'forward_b16_ms', 'fwd_bwd_b16_ms'];

async function measureOurs(name: string): Promise<Record<Measure, number[]>> {
  const model = await loadOnnxModel(join(modelsDir, `${name}.onnx`), {
    batchSize: 16,
    threads: args.threads ? Number(args.threads) : undefined,
  });
  try {
    const per = 3 * 224 * 224;
    const x16 = Float32Array.from({ length: 16 * per }, (_, i) => Math.sin(i * 12.9898) * 0.5);
    const x1 = x16.subarray(0, per);
    const target = classLogit(0, 1000);
    return {
      forward_b1_ms: await timeIt(() => model.run(x1, { outputs: ['logits'] })),
      forward_b16_ms: await timeIt(() => model.run(x16, { outputs: ['logits'] })),
      fwd_bwd_b16_ms: await timeIt(() => model.run(x16, { gradients: { seed: target, wrt: ['input'] } })),
    };
  } finally {
    await model.dispose();
  }
}

function measureTorch(name: string): Record<Measure, number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sl-bench-'));
  const out = join(dir, 'torch.json');
  execFileSync(
    PYTHON,
    [join(here, 'torch_bench.py'), '--models', modelsDir, '--models-list', name, '--repeats', String(repeats), '--out', out],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const json = JSON.parse(readFileSync(out, 'utf8'));
  return json.samples[name];
}

async function main(): Promise<void> {
  ensureModels();
  const withTorch = torchAvailable();
  const ours: Record<string, Record<Measure, number[]>> = {};
  const torch: Record<string, Record<Measure, number[]>> = {};
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      console.error(`round ${r + 1}/${rounds}: ${name} (saliency-lab)`);
      const o = await measureOurs(name);
      ours[name] ??= { forward_b1_ms: [], forward_b16_ms: [], fwd_bwd_b16_ms: [] };
      for (const m of MEASURES) ours[name][m].push(...o[m]);
      if (withTorch) {
        console.error(`round ${r + 1}/${rounds}: ${name} (pytorch)`);
        const t = measureTorch(name);
        torch[name] ??= { forward_b1_ms: [], forward_b16_ms: [], fwd_bwd_b16_ms: [] };
        for (const m of MEASURES) torch[name][m].push(...t[m]);
      }
    }
  }
  const summary: Record<string, Record<string, number>> = {};
  const rows: string[] = [];
  for (const name of names) {
    summary[name] = {};
    for (const m of MEASURES) {
      const ourMs = median(ours[name][m]);
      summary[name][m] = ourMs;
      let line = `${name.padEnd(14)} ${m.padEnd(16)} ours ${ourMs.toFixed(1).padStart(8)} ms`;
      if (withTorch) {
        const torchMs = median(torch[name][m]);
        summary[name][`torch_${m}`] = torchMs;
        summary[name][`ratio_${m.replace(/_ms$/, '')}`] = ourMs / torchMs;
        line += `   torch ${torchMs.toFixed(1).padStart(8)} ms   ratio ${(ourMs / torchMs).toFixed(2)}`;
      }
      rows.push(line);
    }
  }
  const result = {
    benchmark: 'engine',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    threads: args.threads ? Number(args.threads) : cpus().length,
    rounds,
    repeats,
    torch: withTorch,
    summary,
    samples: { ours, torch },
    targets: { forward: 'ratio <= 0.3', fwd_bwd_b16: 'ratio <= 0.8' },
  };
  writeResult('engine', result, rows, args.out);
}

runBenchmark(main);
