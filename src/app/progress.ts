/**
 * Where a session's progress goes: the CLI's bar (src/cli/progress.ts), or nowhere for a
 * program. Models report evaluated examples through their onProgress hook.
 */
export interface ProgressSink {
  begin(total: number, label?: string): void;
  advance(n: number): void;
  setLabel(label: string): void;
  end(): void;
}

export const noProgress: ProgressSink = { begin() {}, advance() {}, setLabel() {}, end() {} };
