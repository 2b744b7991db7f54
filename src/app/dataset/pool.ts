/**
 * A pool of worker threads on this machine, each with its own onnxruntime session
 * (`threads` intra-op threads, so workers do not fight over the cores). Chunks are handed
 * out one at a time to whichever worker is free; results come back with their buffers
 * transferred, and this thread alone writes the store.
 */
import { Worker } from 'node:worker_threads';
import type { ChunkResult } from './compute.js';
import type { RunSpec } from './spec.js';
import type { Sink } from './run.js';

type Reply = { kind: 'ready' } | { kind: 'result'; result: ChunkResult } | { kind: 'error'; message: string };

/** The worker script beside this file (.ts under tsx, .js once built). */
export function workerUrl(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './poolWorker.ts' : './poolWorker.js', import.meta.url);
}

/** A worker thread; under tsx (sources run as .ts) the thread registers tsx before loading the script. */
function spawnWorker(workerData: unknown): Worker {
  const url = workerUrl();
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

export async function runPool(spec: RunSpec, chunks: readonly number[], workers: number, threads: number, sink: Sink, stop: AbortSignal): Promise<void> {
  const queue = [...chunks];
  const n = Math.max(1, Math.min(workers, queue.length));
  const pool: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: n }, () =>
        new Promise<void>((resolve, reject) => {
          const w = spawnWorker({ spec, threads });
          pool.push(w);
          const next = () => {
            const k = stop.aborted ? undefined : queue.shift();
            if (k === undefined) resolve();
            else w.postMessage(k);
          };
          w.on('message', (m: Reply) => {
            if (m.kind === 'error') return reject(new Error(m.message));
            if (m.kind === 'result') sink(m.result);
            next();
          });
          w.on('error', reject);
          w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a pool worker exited with code ${code}`))));
        }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
