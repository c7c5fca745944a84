import cliProgress from 'cli-progress';
import type { Io } from './io.js';

/** A progress bar on stderr, drawn only when stderr is a terminal; otherwise every call is a no-op. */
export interface Progress {
  addTotal(n: number): void;
  tick(label: string): void;
  label(label: string): void;
  stop(): void;
}

export function createProgress(io: Io, what: string): Progress {
  if (!io.errIsTTY || !io.errStream) {
    return { addTotal() {}, tick() {}, label() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: io.errStream,
      format: `${what} [{bar}] {value}/{total} {duration_formatted} {label}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  let value = 0;
  let started = false;
  return {
    addTotal(n) {
      total += n;
      // Started on the first known total: an empty 0/0 bar would draw as complete.
      if (!started) bar.start(total, value, { label: '' });
      else bar.setTotal(total);
      started = true;
    },
    tick(label) {
      value++;
      if (started) bar.update(value, { label: label.slice(0, 60) });
    },
    label(label) {
      if (started) bar.update(value, { label: label.slice(0, 60) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
