/** Where a command writes; tests pass their own to run main() in-process. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is an interactive terminal (progress bars are drawn only then). */
  readonly errIsTTY: boolean;
  readonly errStream?: NodeJS.WritableStream;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  errIsTTY: Boolean(process.stderr.isTTY),
  errStream: process.stderr,
};
