/**
 * A dataset run: the work items (chunks of `chunkSize` images) not yet in the results
 * store, computed in this process, by a pool of worker threads, or by queue workers
 * (BullMQ on Redis), each committed to the store as it arrives; then the summary.
 * Memory stays bounded by a chunk per worker whatever the dataset's size.
 */
import { availableParallelism } from 'node:os';
import { openComputer, type ChunkResult } from './compute.js';
import { runPool } from './pool.js';
import { ResultStore } from './store.js';
import { summarize, writeSummary, type DatasetSummary } from './summary.js';
import type { RunSpec } from './spec.js';

export interface DatasetProgress {
  chunksDone: number;
  chunks: number;
  imagesDone: number;
  images: number;
  imagesPerSecond: number;
  /** Seconds left at this run's throughput (NaN before the first chunk). */
  etaSeconds: number;
}

export interface DatasetRunOptions {
  spec: RunSpec;
  /** Results directory (store, shards, summary). */
  out: string;
  /** Worker threads on this machine; 'auto' chooses from the cores and the model; 1: this thread. */
  workers?: number | 'auto';
  /** redis://host:port: distribute the work items through BullMQ to `saliency worker` processes. */
  redis?: string;
  onProgress?: (p: DatasetProgress) => void;
  /** Stop after this many chunks committed (an interruption, for tests). */
  stopAfter?: number;
  /** Pause this long after each chunk in single-process mode (pacing; tests kill a paced run mid-way). */
  paceMs?: number;
}

export interface DatasetRunResult {
  out: string;
  /** Undefined when the run stopped before every chunk was in. */
  summary?: DatasetSummary;
  chunksComputed: number;
}

/**
 * Workers and intra-op threads per worker on this machine: small models (under 64k input
 * values, e.g. 28x28 or 64x64 images) run best one single-threaded session per core; larger
 * ones get two threads a session, since each call has enough work to split.
 */
export function workerSplit(inputSize: number, cores = availableParallelism()): { workers: number; threads: number } {
  if (inputSize < 65536 || cores < 4) return { workers: cores, threads: 1 };
  return { workers: Math.floor(cores / 2), threads: 2 };
}

/** What an executor is given: chunks to compute, and where each result goes. */
export type Sink = (r: ChunkResult) => void;

export async function runDataset(o: DatasetRunOptions): Promise<DatasetRunResult> {
  const t0 = performance.now();
  const store = new ResultStore(o.out);
  const probe = await openComputer(o.spec, { threads: 1 });
  const { size, chunks, inputShape } = probe;
  const split = workerSplit(inputShape.reduce((a, b) => a * b, 1));
  const workers = o.redis ? 0 : o.workers === 'auto' ? split.workers : (o.workers ?? 1);
  store.open(o.spec, { dataset: { kind: probe.source.kind, size: probe.source.size, classNames: probe.source.classNames }, images: size, chunks, inputShape, runs: probe.plans.map((p) => p.id) });
  const done = store.done();
  const todo = Array.from({ length: chunks }, (_, k) => k).filter((k) => !done.has(k));
  const imagesOf = (k: number) => Math.min(size, (k + 1) * o.spec.chunkSize) - k * o.spec.chunkSize;
  const todoImages = todo.reduce((a, k) => a + imagesOf(k), 0);
  let computed = 0;
  let imagesDone = 0;
  const stop = new AbortController();
  const sink: Sink = (r) => {
    if (stop.signal.aborted || !store.commit(r, inputShape)) return;
    computed++;
    imagesDone += imagesOf(r.chunk);
    const s = (performance.now() - t0) / 1000;
    const rate = imagesDone / s;
    o.onProgress?.({ chunksDone: done.size + computed, chunks, imagesDone, images: todoImages, imagesPerSecond: rate, etaSeconds: (todoImages - imagesDone) / rate });
    if (o.stopAfter !== undefined && computed >= o.stopAfter) stop.abort();
  };
  let mode = 'single process';
  try {
    if (o.redis) {
      await probe.dispose();
      mode = 'queue';
      const { runQueue } = await import('./queue.js');
      await runQueue(o.redis, o.spec, todo, sink, stop.signal, (entry: Record<string, unknown>) => store.recordFailure(entry));
    } else if (workers > 1) {
      await probe.dispose();
      mode = 'worker pool';
      await runPool(o.spec, todo, workers, Math.max(1, Math.floor(availableParallelism() / workers)), sink, stop.signal);
    } else {
      for (const k of todo) {
        if (stop.signal.aborted) break;
        sink(await probe.compute(k));
        if (o.paceMs) await new Promise((r) => setTimeout(r, o.paceMs));
      }
      await probe.dispose();
    }
  } catch (e) {
    await probe.dispose().catch(() => undefined);
    throw e;
  }
  if (store.done().size < chunks) return { out: o.out, chunksComputed: computed };
  const wallMs = performance.now() - t0;
  const rows = store.rows();
  const summary = summarize(rows, store.failures().length, { wallMs, imagesPerSecond: imagesDone / (wallMs / 1000), workers: Math.max(1, workers), mode });
  writeSummary(o.out, summary, rows);
  return { out: o.out, summary, chunksComputed: computed };
}
