/**
 * Catchable termination signals (SIGINT from Ctrl-C, SIGTERM from `kill` or a job
 * runner, SIGHUP from a closed terminal): run every registered clean-up (drop staged
 * output, release the output folder's lock), restore the terminal (cursor shown, line
 * wrapping on: the progress bar turns both off), then die of the same signal so the
 * parent shell sees an interrupted process (exit status 128 + signal number).
 *
 * Handlers are installed only while something is registered, so a program that embeds
 * the library keeps its own signal behaviour the rest of the time.
 */

export const TERMINATION_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type TerminationSignal = (typeof TERMINATION_SIGNALS)[number];

const cleanups = new Set<() => void>();
let terminalTouched = false;

/** Show the cursor and turn line wrapping back on (what cli-progress turns off). */
export function restoreTerminal(): void {
  if (terminalTouched && process.stderr.isTTY) process.stderr.write('\u001b[?25h\u001b[?7h');
}

/** The progress bar tells us it changed the terminal (so an interrupt restores it). */
export function markTerminalTouched(): void {
  terminalTouched = true;
}

function handle(signal: TerminationSignal): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // a clean-up that fails must not keep the others from running
    }
  }
  cleanups.clear();
  restoreTerminal();
  uninstall();
  // die of the signal itself (default action), as an interrupted program should
  process.kill(process.pid, signal);
}

const listeners = new Map<TerminationSignal, () => void>();

function install(): void {
  for (const s of TERMINATION_SIGNALS) {
    const l = () => handle(s);
    listeners.set(s, l);
    process.on(s, l);
  }
}

function uninstall(): void {
  for (const [s, l] of listeners) process.removeListener(s, l);
  listeners.clear();
}

/** Run `cleanup` (synchronous) if the process is interrupted before the returned function is called. */
export function onInterrupt(cleanup: () => void): () => void {
  if (cleanups.size === 0 && listeners.size === 0) install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) uninstall();
  };
}
