/**
 * No half-written outputs, and one run per output folder at a time.
 *
 * Before any computation the output folder is created (or found) and proven writable by
 * creating, inside it, a lock file and a staging folder (`.saliency-partial-<pid>-<id>`).
 * Staging inside the destination means the final renames never cross a file system (no
 * EXDEV after an hour of work on another mount) and never need the parent to be
 * writable (`--out /tmp` as a non-root user). Only when everything is written are the
 * files moved into place (one rename each). A failure or a termination signal removes the
 * staging folder, the lock, and the output folder itself if this run created it.
 *
 * The lock (`.saliency-lock`, created exclusively, holding the owner's pid) keeps two
 * runs from interleaving their files in one folder; a lock whose process is gone (killed
 * with SIGKILL) is taken over, and that run's leftover staging folder removed.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { OutputError } from '../errors.js';
import { onInterrupt } from './interrupt.js';

const LOCK = '.saliency-lock';
const PARTIAL = '.saliency-partial-';

/** Another run holds the output folder. */
export class OutputBusyError extends OutputError {
  override name = 'OutputBusyError';
}

/** A file-system error as a sentence a user can act on (no errno names, no hidden paths). */
export function describeFsError(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `${what}: permission denied; choose a folder you can write to (--out)`;
    case 'EROFS':
      return `${what}: the file system is read-only; choose another folder (--out)`;
    case 'ENOSPC':
      return `${what}: no space left on the device; free some space or choose another folder (--out)`;
    case 'EDQUOT':
      return `${what}: disk quota exceeded; free some space or choose another folder (--out)`;
    case 'ENOTDIR':
      return `${what}: a part of the path is a file, not a folder`;
    case 'ENAMETOOLONG':
      return `${what}: the path is too long`;
    default:
      return `${what}: ${code ? `${code} ` : ''}${(e as Error).message?.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') ?? String(e)}`;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface LockOwner {
  pid: number;
  host: string;
  started: string;
  command?: string;
}

export class OutputStage {
  /** Where files are written while the command runs. */
  readonly dir: string;
  /** Where they end up. */
  readonly out: string;
  private readonly lock: string;
  private readonly created: boolean;
  private released = false;

  constructor(out: string, command?: string) {
    this.out = resolve(out);
    if (existsSync(this.out) && !statSync(this.out).isDirectory()) {
      throw new OutputError(`--out ${out} exists and is not a folder; give a folder (it is created if missing)`);
    }
    this.created = !existsSync(this.out);
    try {
      mkdirSync(this.out, { recursive: true });
    } catch (e) {
      throw new OutputError(describeFsError(e, `cannot create the output folder ${out}`));
    }
    this.lock = join(this.out, LOCK);
    try {
      this.takeLock({ pid: process.pid, host: hostname(), started: new Date().toISOString(), command });
    } catch (e) {
      this.removeCreated();
      if (e instanceof OutputError) throw e;
      throw new OutputError(describeFsError(e, `cannot write to the output folder ${out}`));
    }
    this.dir = join(this.out, `${PARTIAL}${process.pid}-${Date.now().toString(36)}`);
    try {
      mkdirSync(this.dir);
    } catch (e) {
      this.release();
      throw new OutputError(describeFsError(e, `cannot write to the output folder ${out}`));
    }
  }

  private takeLock(me: LockOwner): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lock, 'wx');
        writeSync(fd, `${JSON.stringify(me)}\n`);
        closeSync(fd);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = this.lockOwner();
      if (!owner && Date.now() - statSync(this.lock).mtimeMs < 10_000) {
        throw new OutputBusyError(`another saliency run is starting in ${this.out}; wait for it to finish or choose another --out`);
      }
      if (owner && (owner.host !== hostname() || alive(owner.pid))) {
        throw new OutputBusyError(
          `another saliency run (pid ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''}, started ${owner.started}) is writing to ${this.out}; ` +
            `wait for it to finish or choose another --out (if no run is active, delete ${this.lock})`,
        );
      }
      // the owner is gone (killed without a chance to clean up): take over its folder
      for (const name of readdirSync(this.out)) if (name.startsWith(PARTIAL)) rmSync(join(this.out, name), { recursive: true, force: true });
      rmSync(this.lock, { force: true });
    }
    throw new OutputBusyError(`could not lock ${this.out}: another run keeps taking it`);
  }

  private lockOwner(): LockOwner | undefined {
    try {
      return JSON.parse(readFileSync(this.lock, 'utf8')) as LockOwner;
    } catch {
      return undefined; // being written by its owner right now, or damaged
    }
  }

  /** Path of a staged file (plain names only). */
  path(name: string): string {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new Error(`output file names are plain names, got '${name}'`);
    return join(this.dir, name);
  }

  write(name: string, data: string | Uint8Array): string {
    const p = this.path(name);
    try {
      writeFileSync(p, data);
    } catch (e) {
      throw new OutputError(describeFsError(e, `cannot write ${name} to ${this.out}`));
    }
    return p;
  }

  /** Move every staged file into the output folder; returns their final paths. */
  commit(): string[] {
    const moved: string[] = [];
    try {
      for (const name of readdirSync(this.dir).sort()) {
        renameSync(join(this.dir, name), join(this.out, name));
        moved.push(join(this.out, name));
      }
    } catch (e) {
      this.abort();
      throw new OutputError(describeFsError(e, `cannot move the results into ${this.out}`));
    }
    rmSync(this.dir, { recursive: true, force: true });
    this.release();
    return moved;
  }

  /** Drop everything staged (and the output folder, if this run created it and it is empty). */
  abort(): void {
    // each step on its own: a folder that cannot be removed must not keep the lock held
    try {
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // left for the next run in this folder, which clears a dead owner's staging
    }
    this.release();
    this.removeCreated();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    rmSync(this.lock, { force: true });
  }

  private removeCreated(): void {
    if (!this.created) return;
    try {
      rmdirSync(this.out); // only when empty
    } catch {
      // something else was put there meanwhile: leave it
    }
  }

  /** Run `f` with the stage; commit on success, abort on failure or on a termination signal. */
  static async run<T>(out: string, f: (stage: OutputStage) => Promise<T>, command?: string): Promise<{ result: T; files: string[] }> {
    // The handler goes in before anything is created: a signal that arrives while the
    // constructor runs is handled once it returns (handlers run on the event loop), and a
    // signal can never find a staged folder with no handler to remove it.
    let stage: OutputStage | undefined;
    const unregister = onInterrupt(() => stage?.abort());
    try {
      stage = new OutputStage(out, command);
    } catch (e) {
      unregister();
      throw e;
    }
    try {
      const result = await f(stage);
      return { result, files: stage.commit() };
    } catch (e) {
      stage.abort();
      throw e;
    } finally {
      unregister();
    }
  }
}
