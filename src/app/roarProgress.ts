/**
 * roar-progress.json in a ROAR run's --out: the run's settings, the accuracy of the model
 * that ranks, and every finished retraining (ranking, mode, fraction, repeat -> accuracy),
 * rewritten atomically (temporary file + rename) after each one. A rerun with the same
 * settings skips what is recorded; other settings in the same directory are refused.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoarRetraining } from '../trust/roar.js';
import { UsageError } from './errors.js';

interface ProgressFile {
  settings: Record<string, unknown>;
  baseAccuracy?: number;
  done: (RoarRetraining & { accuracy: number })[];
}

const key = (at: RoarRetraining) => `${at.ranking} ${at.mode} ${at.fraction} ${at.repeat}`;

export class RoarProgress {
  private readonly done = new Map<string, RoarRetraining & { accuracy: number }>();

  private constructor(readonly file: string, private readonly state: ProgressFile) {
    for (const d of state.done) this.done.set(key(d), d);
  }

  static open(dir: string, settings: Record<string, unknown>): RoarProgress {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'roar-progress.json');
    if (!existsSync(file)) {
      const p = new RoarProgress(file, { settings, done: [] });
      p.save();
      return p;
    }
    const old = JSON.parse(readFileSync(file, 'utf8')) as ProgressFile;
    const [was, now] = [JSON.stringify(old.settings), JSON.stringify(settings)];
    if (was !== now) throw new UsageError(`${dir} holds a ROAR run with other settings (${was}; this one ${now}): rerun with the same settings to resume it, or choose another --out`);
    return new RoarProgress(file, old);
  }

  get baseAccuracy(): number | undefined {
    return this.state.baseAccuracy;
  }

  get count(): number {
    return this.done.size;
  }

  accuracy(at: RoarRetraining): number | undefined {
    return this.done.get(key(at))?.accuracy;
  }

  recordBase(accuracy: number): void {
    this.state.baseAccuracy = accuracy;
    this.save();
  }

  record(at: RoarRetraining, accuracy: number): void {
    const d = { ranking: at.ranking, mode: at.mode, fraction: at.fraction, repeat: at.repeat, accuracy };
    this.done.set(key(d), d);
    this.save();
  }

  private save(): void {
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify({ ...this.state, done: [...this.done.values()] }, null, 2)}\n`);
    renameSync(tmp, this.file);
  }
}
