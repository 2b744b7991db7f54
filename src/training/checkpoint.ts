/**
 * Checkpoints of a training run: parameters, optimiser state and history after each
 * epoch, as one JSON file (base64 float32), written atomically so an interrupted run
 * resumes from the last complete epoch.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Param } from './network.js';
import type { AdamState } from './optimizer.js';

export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  testAccuracy?: number;
  seconds: number;
}

export interface Checkpoint {
  /** What was being trained (checked on resume: a checkpoint of another run is refused). */
  fingerprint: string;
  epoch: number;
  params: Param[];
  adam: AdamState;
  history: EpochRecord[];
}

const encode = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const decode = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

export const checkpointPath = (dir: string) => join(dir, 'checkpoint.json');

export function saveCheckpoint(dir: string, c: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  const json = {
    fingerprint: c.fingerprint,
    epoch: c.epoch,
    params: c.params.map((p) => ({ name: p.name, dims: p.dims, trainable: p.trainable, data: encode(p.data) })),
    adam: { step: c.adam.step, m: c.adam.m.map(encode), v: c.adam.v.map(encode) },
    history: c.history,
  };
  const tmp = `${checkpointPath(dir)}.tmp`;
  writeFileSync(tmp, JSON.stringify(json));
  renameSync(tmp, checkpointPath(dir));
}

/** The checkpoint in `dir`, or undefined when there is none. */
export function loadCheckpoint(dir: string, fingerprint: string): Checkpoint | undefined {
  const path = checkpointPath(dir);
  if (!existsSync(path)) return undefined;
  const j = JSON.parse(readFileSync(path, 'utf8'));
  if (j.fingerprint !== fingerprint) {
    throw new Error(`${path} belongs to another training run (different data, architecture or options): delete it or choose another checkpoint directory`);
  }
  return {
    fingerprint: j.fingerprint,
    epoch: j.epoch,
    params: j.params.map((p: { name: string; dims: number[]; trainable: boolean; data: string }) => ({ ...p, data: decode(p.data) })),
    adam: { step: j.adam.step, m: j.adam.m.map(decode), v: j.adam.v.map(decode) },
    history: j.history,
  };
}
