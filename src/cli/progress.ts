/**
 * One progress bar on stderr (cli-progress) for a command's whole work, counted in model
 * evaluations (examples through forward + backward). It appears only once the work has
 * taken a second, only on a terminal, and never on stdout (so --json output stays clean).
 */
import cliProgress from 'cli-progress';
import { markTerminalTouched, onInterrupt } from './interrupt.js';

export interface ProgressOptions {
  /** Default: stderr is a terminal. */
  enabled?: boolean;
  /** Show the bar after this many ms of work; default 1000. */
  delayMs?: number;
}

export class Progress {
  private bar?: cliProgress.SingleBar;
  /** Drops the interrupt clean-up (stop the bar, restore the terminal) once the bar is gone. */
  private unregister?: () => void;
  private total = 0;
  private value = 0;
  private label = '';
  private started = 0;
  private readonly enabled: boolean;
  private readonly delayMs: number;

  constructor(options: ProgressOptions = {}) {
    this.enabled = options.enabled ?? Boolean(process.stderr.isTTY);
    this.delayMs = options.delayMs ?? 1000;
  }

  /** Start counting towards `total` evaluations (an estimate: the bar grows if it is exceeded). */
  begin(total: number, label = ''): void {
    this.end();
    this.total = Math.max(1, Math.round(total));
    this.value = 0;
    this.label = label;
    this.started = performance.now();
  }

  /** What is being done now (shown in front of the bar). */
  setLabel(label: string): void {
    this.label = label;
    this.bar?.update(this.value, { label: this.pad(label) });
  }

  /** Grow the expected total (work discovered on the way, e.g. --steps auto doubling). */
  addTotal(more: number): void {
    this.total += Math.max(0, Math.round(more));
    this.bar?.setTotal(this.total);
  }

  advance(n: number): void {
    this.value += n;
    if (this.value > this.total) this.total = this.value;
    if (!this.enabled) return;
    if (!this.bar && performance.now() - this.started >= this.delayMs) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: '{label} {bar} {percentage}% | {value}/{total} evaluations | {duration_formatted} | ETA {eta_formatted}',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      markTerminalTouched();
      const bar = this.bar;
      this.unregister = onInterrupt(() => bar.stop());
      this.bar.start(this.total, this.value, { label: this.pad(this.label) });
    } else if (this.bar) {
      this.bar.setTotal(this.total);
      this.bar.update(this.value, { label: this.pad(this.label) });
    }
  }

  end(): void {
    if (this.bar) {
      this.bar.update(this.total);
      this.bar.stop();
      this.bar = undefined;
      this.unregister?.();
      this.unregister = undefined;
    }
  }

  private pad(label: string): string {
    return label.length > 28 ? `${label.slice(0, 27)}…` : label.padEnd(28);
  }
}

/** A progress that shows nothing (library calls). */
export const silentProgress = (): Progress => new Progress({ enabled: false });
