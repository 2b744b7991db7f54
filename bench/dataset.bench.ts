/**
 * Dataset-run benchmark: throughput (images/s) of IG-50 (black baseline, top class) over
 * Fashion-MNIST test images (Debian dataset-fashion-mnist, models/fashion-mnist/model.onnx):
 * a plain single-process loop (integratedGradients over batches of 32, no store), then
 * `runDataset` in this process, with a pool of 1 and 2 worker threads, and through BullMQ
 * with 2 `saliency worker` processes (a redis-server started on a free loopback port).
 * With --memory, the peak RSS of gradient runs over `--memory-images` (comma list) images
 * in fresh processes. Writes JSON to bench/results/dataset-<date>.json.
 *
 *   node --import tsx bench/dataset.bench.ts [--images 1000] [--steps 50] [--only plain,single,pool1,pool2,queue2] [--memory --memory-images 1000,10000]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDataset } from '../src/app/dataset/run.js';
import type { RunSpec } from '../src/app/dataset/spec.js';
import { loadOnnxModel } from '../src/engine/onnx.js';
import { openDataset } from '../src/io/dataset.js';
import { resolvePreprocessing, preprocessingFor } from '../src/io/preprocess.js';
import { integratedGradients } from '../src/methods/integratedGradients.js';
import { runBenchmark, writeResult } from './common.js';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '1000' },
    steps: { type: 'string', default: '50' },
    only: { type: 'string', default: 'plain,single,pool1,pool2,queue2' },
    memory: { type: 'boolean', default: false },
    'memory-images': { type: 'string', default: '1000,10000' },
    child: { type: 'string' },
  },
});
const MODEL = 'models/fashion-mnist/model.onnx';
const IDX = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
const n = Number(args.images);
const spec = (images: number, method = 'ig'): RunSpec => ({ model: MODEL, dataset: IDX, methods: [method], baselines: ['black'], options: method === 'ig' ? { steps: args.steps } : {}, target: 'top1', seed: 0, chunkSize: 32, batchSize: 64, limit: images });

async function plainLoop(): Promise<number> {
  const model = await loadOnnxModel(MODEL, { batchSize: 64 });
  const src = openDataset(IDX, resolvePreprocessing(preprocessingFor(MODEL), model.inputShape));
  const t0 = performance.now();
  for (let s = 0; s < n; s += 32) {
    const { batch } = await src.read(s, Math.min(n, s + 32));
    const logits = (await model.run(batch, { outputs: ['logits'] }))['logits'];
    const k = logits.length / (batch.length / 784);
    const target = Array.from({ length: batch.length / 784 }, (_, e) => { let b = 0; for (let c = 1; c < k; c++) if (logits[e * k + c] > logits[e * k + b]) b = c; return b; });
    await integratedGradients(model, batch, { steps: Number(args.steps), target, baseline: 0, batchSize: 64 });
  }
  const s = (performance.now() - t0) / 1000;
  await model.dispose();
  return n / s;
}

const freePort = () => new Promise<number>((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); }); });

async function viaRun(dir: string, o: { workers?: number; redis?: string }): Promise<number> {
  const t0 = performance.now();
  await runDataset({ spec: spec(n), out: join(dir, `run-${o.workers ?? 'q'}-${Date.now()}`), ...o });
  return n / ((performance.now() - t0) / 1000);
}

async function viaQueue(dir: string): Promise<number> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const threads = String(Math.max(1, Math.floor(availableParallelism() / 2)));
  const workers: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', url, '--threads', threads], { stdio: ['ignore', 'ignore', 'pipe'] }));
  try {
    // timing starts once both workers are up (as machines in a cluster would be); their model opens with the first job
    await Promise.all(workers.map((w) => new Promise<void>((res) => { let log = ''; w.stderr!.on('data', (d) => { log += String(d); if (log.includes('waiting for work items')) res(); }); })));
    return await viaRun(dir, { redis: url });
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    redis.kill('SIGTERM');
  }
}

/** In a child: a gradient run over `images` images, printing its peak RSS (MB). */
async function memoryChild(images: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ds-mem-'));
  await runDataset({ spec: spec(images, 'gradient'), out: dir, workers: 1 });
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${process.resourceUsage().maxRSS / 1024}\n`);
}

async function main(): Promise<void> {
  if (args.child) return memoryChild(Number(args.child));
  const dir = mkdtempSync(join(tmpdir(), 'ds-bench-'));
  const only = new Set(args.only!.split(','));
  const figures: Record<string, number> = {};
  try {
    if (only.has('plain')) figures.plain = await plainLoop();
    if (only.has('single')) figures.single = await viaRun(dir, { workers: 1 });
    if (only.has('pool1')) figures.pool1 = await viaRun(dir, { workers: 1 });
    if (only.has('pool2')) figures.pool2 = await viaRun(dir, { workers: 2 });
    if (only.has('queue2')) figures.queue2 = await viaQueue(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const memory: Record<string, number> = {};
  if (args.memory) {
    for (const m of args['memory-images']!.split(',')) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/dataset.bench.ts', '--child', m], { encoding: 'utf8' });
      memory[m] = Number(r.stdout.trim().split('\n').pop());
    }
  }
  const rows = [
    `IG-${args.steps} over ${n} Fashion-MNIST images, ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}`,
    ...Object.entries(figures).map(([k, v]) => `${k.padEnd(8)} ${v.toFixed(1).padStart(8)} images/s${figures.plain ? `  (${(v / figures.plain).toFixed(2)}x plain)` : ''}`),
    ...(figures.pool2 && figures.queue2 ? [`queue cost over the pool: ${(100 * (figures.pool2 / figures.queue2 - 1)).toFixed(1)}%`] : []),
    ...Object.entries(memory).map(([k, v]) => `peak RSS, gradient over ${k} images: ${v.toFixed(0)} MB`),
  ];
  // ratios as times (lower is faster), like every other benchmark: the pool's time over the plain loop's
  // (target: a speedup of at least 1.7x on 2 cores, i.e. <= 1/1.7), the queue's time over the pool's (<= 1.10)
  const ratios: Record<string, number> = {};
  if (figures.plain && figures.pool2) ratios.pool2_time_over_plain_ratio = figures.plain / figures.pool2;
  if (figures.pool2 && figures.queue2) ratios.queue2_time_over_pool2_ratio = figures.pool2 / figures.queue2;
  const targets = { pool2_time_over_plain_ratio: '<= 0.588 (pool >= 1.7x the plain loop)', queue2_time_over_pool2_ratio: '<= 1.10 (queue costs <= 10% over the pool)' };
  writeResult('dataset', { date: new Date().toISOString(), images: n, steps: Number(args.steps), figures, ratios, targets, memory, load: loadavg() } as { date: string }, rows);
}

runBenchmark(main);
