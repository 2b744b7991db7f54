/**
 * Forward-only streaming: perturbed inputs are written one chunk at a time into one reused
 * buffer of `batchSize` examples and their target values handed on, so memory stays that
 * of one chunk for any number of perturbations. Point i is written into the memory that
 * held point i - batchSize (the buffer is reused chunk after chunk), so a fill may change
 * only what differs from that point.
 */
import type { Runner } from '../runner.js';

export async function forwardStream(
  runner: Runner,
  count: number,
  exampleOf: (i: number) => number,
  fill: (i: number, dest: Float32Array) => void,
  consume: (start: number, m: number, values: Float64Array) => void,
): Promise<void> {
  const per = runner.per;
  const buffer = new Float32Array(Math.min(count, runner.batch) * per);
  const values = new Float64Array(runner.batch);
  for (let start = 0; start < count; start += runner.batch) {
    const m = Math.min(runner.batch, count - start);
    const points = buffer.subarray(0, m * per);
    for (let i = 0; i < m; i++) fill(start + i, points.subarray(i * per, (i + 1) * per));
    const logits = await runner.forward(points);
    const out = runner.outSize;
    for (let i = 0; i < m; i++) values[i] = runner.target.value(logits.subarray(i * out, (i + 1) * out), exampleOf(start + i));
    consume(start, m, values.subarray(0, m));
  }
}
