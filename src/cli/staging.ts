/**
 * No half-written outputs: a command writes everything into a staging directory beside
 * the output directory, and only when all of it is written are the files moved into
 * place (one rename each, atomic on one file system). A failure removes the staging
 * directory and leaves the output directory as it was.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BadInputError } from '../app/errors.js';

export class OutputStage {
  /** Where files are written while the command runs. */
  readonly dir: string;
  /** Where they end up. */
  readonly out: string;
  private readonly files: string[] = [];

  constructor(out: string) {
    this.out = resolve(out);
    if (existsSync(this.out) && !statSync(this.out).isDirectory()) {
      throw new BadInputError(`--out ${out} exists and is not a directory`);
    }
    const parent = dirname(this.out);
    try {
      mkdirSync(parent, { recursive: true });
    } catch (e) {
      throw new BadInputError(`cannot create the output directory's parent ${parent}: ${(e as Error).message}`);
    }
    this.dir = join(parent, `.${basename(this.out)}.partial-${process.pid}-${Date.now().toString(36)}`);
    mkdirSync(this.dir, { recursive: true });
  }

  /** Path of a staged file (relative names only). */
  path(name: string): string {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new Error(`output file names are plain names, got '${name}'`);
    if (!this.files.includes(name)) this.files.push(name);
    return join(this.dir, name);
  }

  write(name: string, data: string | Uint8Array): string {
    const p = this.path(name);
    writeFileSync(p, data);
    return p;
  }

  /** Move every staged file into the output directory; returns their final paths. */
  commit(): string[] {
    mkdirSync(this.out, { recursive: true });
    const moved: string[] = [];
    for (const name of readdirSync(this.dir)) {
      renameSync(join(this.dir, name), join(this.out, name));
      moved.push(join(this.out, name));
    }
    rmSync(this.dir, { recursive: true, force: true });
    return moved;
  }

  /** Drop everything staged. */
  abort(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Run `f` with the stage; commit on success, abort on failure. */
  static async run<T>(out: string, f: (stage: OutputStage) => Promise<T>): Promise<{ result: T; files: string[] }> {
    const stage = new OutputStage(out);
    // Ctrl-C: drop the staged files, then exit as an interrupted process does
    const cleanup = () => {
      stage.abort();
      process.exit(130);
    };
    process.once('SIGINT', cleanup);
    try {
      const result = await f(stage);
      return { result, files: stage.commit() };
    } catch (e) {
      stage.abort();
      throw e;
    } finally {
      process.removeListener('SIGINT', cleanup);
    }
  }
}
