/** A pool worker thread: opens the run once (its own session), then computes the chunks it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { openComputer, type Computer } from './compute.js';
import type { RunSpec } from './spec.js';

const { spec, threads } = workerData as { spec: RunSpec; threads: number };
let computer: Computer;
try {
  computer = await openComputer(spec, { threads });
  parentPort!.postMessage({ kind: 'ready' });
} catch (e) {
  parentPort!.postMessage({ kind: 'error', message: (e as Error).message });
}
parentPort!.on('message', async (chunk: number) => {
  try {
    const result = await computer.compute(chunk);
    parentPort!.postMessage({ kind: 'result', result }, Object.values(result.shards).map((s) => s.buffer as ArrayBuffer));
  } catch (e) {
    parentPort!.postMessage({ kind: 'error', message: `chunk ${chunk}: ${(e as Error).message}` });
  }
});
