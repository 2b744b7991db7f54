/**
 * Many machines: work items through BullMQ on Redis. The coordinator adds one job per
 * chunk not yet in the store (job id `<run id>-<chunk>`, so adding twice is a no-op),
 * then collects finished jobs' results into the store, recording failed ones. Workers
 * (`saliency worker --redis URL`, any number, any machine that sees the same model and
 * dataset paths) pull jobs; a worker that dies mid-job loses its lock and BullMQ hands the
 * job to another (stalled-job check). A malformed or hostile job is rejected with a
 * message (UnrecoverableError: no retry) and the worker goes on.
 */
import { Queue, UnrecoverableError, Worker, Job } from 'bullmq';
import { openComputer, type ChunkResult, type Computer } from './compute.js';
import { checkWorkItem, specId, WorkItemError, type RunSpec } from './spec.js';
import type { Sink } from './run.js';

export const QUEUE = 'saliency-dataset';

export interface RedisConnection {
  host: string;
  port: number;
  password?: string;
  db?: number;
}

export function redisConnection(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--redis must be a URL like redis://127.0.0.1:6379, got '${url}'`);
  }
  if (u.protocol !== 'redis:') throw new Error(`--redis must be a redis:// URL, got '${url}'`);
  return { host: u.hostname, port: Number(u.port || 6379), password: u.password || undefined, db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined };
}

/** A result as JSON (shards as base64), the form a job returns. */
interface WireResult {
  chunk: number;
  rows: ChunkResult['rows'];
  shards: Record<string, string>;
}

const NUMS = ['probability', 'sum', 'delta', 'fx', 'fBaseline'] as const;

function toWire(r: ChunkResult): WireResult {
  // JSON has no NaN: numbers that may be NaN travel as null
  const rows = r.rows.map((row) => ({ ...row, ...Object.fromEntries(NUMS.map((k) => [k, Number.isNaN(row[k]) ? null : row[k]])) })) as unknown as ChunkResult['rows'];
  return { chunk: r.chunk, rows, shards: Object.fromEntries(Object.entries(r.shards).map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')])) };
}

function fromWire(w: WireResult): ChunkResult {
  const rows = w.rows.map((row) => ({ ...row, ...Object.fromEntries(NUMS.map((k) => [k, row[k] === null ? NaN : row[k]])) }));
  const shards = Object.fromEntries(Object.entries(w.shards).map(([k, b]) => {
    const bytes = Buffer.from(b, 'base64');
    return [k, new Float32Array(Uint8Array.prototype.slice.call(bytes).buffer)];
  }));
  return { chunk: w.chunk, rows, shards };
}

/** The coordinator: enqueue the chunks, commit results as they finish, until all are in (or stop). */
export async function runQueue(url: string, spec: RunSpec, chunks: readonly number[], sink: Sink, stop: AbortSignal, recordFailure: (entry: Record<string, unknown>) => void): Promise<void> {
  const queue = new Queue(QUEUE, { connection: redisConnection(url) });
  const id = specId(spec);
  try {
    await queue.addBulk(chunks.map((chunk) => ({ name: 'chunk', data: { spec, chunk }, opts: { jobId: `${id}-${chunk}`, attempts: 3, removeOnFail: false } })));
    const pending = new Set(chunks);
    while (pending.size > 0 && !stop.aborted) {
      for (const chunk of [...pending]) {
        // the state first, then the job: a job read before it completes has no return value yet
        const state = await queue.getJobState(`${id}-${chunk}`);
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
        const job = await Job.fromId(queue, `${id}-${chunk}`);
        if (!job || state === 'unknown') {
          pending.delete(chunk);
          recordFailure({ chunk, error: 'job vanished from the queue' });
          continue;
        }
        if (state === 'completed') {
          if (!job.returnvalue) continue;
          sink(fromWire(job.returnvalue as WireResult));
        } else recordFailure({ chunk, job: job.id, error: job.failedReason });
        pending.delete(chunk);
        await job.remove();
        if (stop.aborted) break;
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await queue.close();
  }
}

export interface WorkerOptions {
  /** ms a job's lock lasts without renewal: a dead worker's job is retried after about this long. */
  lockMs?: number;
  threads?: number;
  concurrency?: number;
  /** Called on every job rejected or failed (also logged to stderr by the CLI). */
  onFailure?: (jobId: string | undefined, message: string) => void;
  onDone?: (jobId: string | undefined, chunk: number) => void;
}

/** A queue worker: computes jobs until closed. One Computer (session) per run spec, kept. */
export function startWorker(url: string, o: WorkerOptions = {}): Worker {
  const computers = new Map<string, Promise<Computer>>();
  const lockDuration = o.lockMs ?? 30000;
  const worker = new Worker(
    QUEUE,
    async (job) => {
      let item;
      try {
        item = checkWorkItem(job.data);
      } catch (e) {
        if (e instanceof WorkItemError) throw new UnrecoverableError(e.message);
        throw e;
      }
      const key = specId(item.spec);
      if (!computers.has(key)) computers.set(key, openComputer(item.spec, { threads: o.threads }));
      let computer: Computer;
      try {
        computer = await computers.get(key)!;
      } catch (e) {
        computers.delete(key);
        throw new UnrecoverableError(`rejected work item: ${(e as Error).message}`);
      }
      if (item.chunk >= computer.chunks) throw new UnrecoverableError(`rejected work item: chunk ${item.chunk} is past the run's ${computer.chunks} chunks`);
      const result = toWire(await computer.compute(item.chunk));
      o.onDone?.(job.id, item.chunk);
      return result;
    },
    { connection: redisConnection(url), concurrency: o.concurrency ?? 1, lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: 5 },
  );
  worker.on('failed', (job, err) => o.onFailure?.(job?.id, err.message));
  worker.on('error', (err) => o.onFailure?.(undefined, err.message));
  const close = worker.close.bind(worker);
  worker.close = async (force?: boolean) => {
    await close(force);
    for (const c of computers.values()) await (await c.catch(() => undefined))?.dispose();
  };
  return worker;
}
