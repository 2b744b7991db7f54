/**
 * The page's handle on the compute worker: numbered jobs, progress, and cancel (the
 * worker is ended and a fresh one loads the same model, so a long run stops at once).
 */
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';
import type { FromWorker, ToWorker } from './protocol.js';

type Job = { resolve: (m: FromWorker) => void; reject: (e: Error) => void; progress?: (done: number, total: number) => void };
type Ask = ToWorker extends infer T ? (T extends { job: number } ? Omit<T, 'job'> : never) : never;

export class Compute {
  private worker!: Worker;
  private jobs = new Map<number, Job>();
  private next = 1;
  private loaded?: { source: string | Blob; preprocessing: ResolvedPreprocessing | null };
  info?: Extract<FromWorker, { type: 'loaded' }>;

  constructor() {
    this.start();
  }

  private start(): void {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
  }

  private loading?: { resolve: (m: FromWorker) => void; reject: (e: Error) => void };

  private receive(m: FromWorker): void {
    if (m.type === 'loaded') return this.loading?.resolve(m);
    if (m.type === 'error' && m.job === undefined) return this.loading?.reject(new Error(m.message));
    const job = this.jobs.get(m.job!);
    if (!job) return;
    if (m.type === 'progress') return job.progress?.(m.done, m.total);
    this.jobs.delete(m.job!);
    if (m.type === 'error') job.reject(new Error(m.message));
    else job.resolve(m);
  }

  /**
   * Load a model: its URL (the worker fetches it) or the dropped file (a Blob is passed by
   * reference): the page never holds the model's bytes. Preprocessing null: guessed from
   * the input shape (a dropped model). Kept to reload after a cancel.
   */
  async load(source: string | Blob, preprocessing: ResolvedPreprocessing | null): Promise<Extract<FromWorker, { type: 'loaded' }>> {
    const info = (await new Promise<FromWorker>((resolve, reject) => {
      this.loading = { resolve, reject };
      const message: ToWorker = { type: 'load', source: typeof source === 'string' ? new URL(source, document.baseURI).href : source, preprocessing, wasmPaths: new URL('ort/', document.baseURI).href };
      this.worker.postMessage(message);
    })) as Extract<FromWorker, { type: 'loaded' }>;
    this.loaded = { source, preprocessing };
    this.info = info;
    return info;
  }

  run<T extends FromWorker['type']>(ask: Ask, progress?: (done: number, total: number) => void): Promise<Extract<FromWorker, { type: T }>> {
    const job = this.next++;
    return new Promise((resolve, reject) => {
      this.jobs.set(job, { resolve: resolve as (m: FromWorker) => void, reject, progress });
      this.worker.postMessage({ ...ask, job } as ToWorker);
    });
  }

  get busy(): boolean {
    return this.jobs.size > 0;
  }

  /** Stop everything running; the model is loaded again in a fresh worker. */
  async cancel(): Promise<void> {
    this.worker.terminate();
    for (const j of this.jobs.values()) j.reject(new Error('cancelled'));
    this.jobs.clear();
    this.start();
    if (this.loaded) await this.load(this.loaded.source, this.loaded.preprocessing);
  }
}
