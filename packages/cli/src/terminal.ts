/**
 * The terminal as `top` borrows it: the alternate screen, a hidden cursor and
 * raw keys, given back exactly once on every way out (q, Ctrl-C, SIGTERM,
 * SIGHUP, an error, process exit), so the shell is never left broken.
 */
const ENTER = '\u001b[?1049h\u001b[?25l';
const LEAVE = '\u001b[?25h\u001b[?1049l';

export class Terminal {
  private active = false;

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly stdout: NodeJS.WriteStream,
  ) {}

  /** Takes the screen; `onQuit` runs on q, Ctrl-C or a terminating signal. */
  enter(onQuit: () => void): void {
    this.active = true;
    this.stdout.write(ENTER);
    if (this.stdin.isTTY) {
      this.stdin.setRawMode(true);
      this.stdin.resume();
      this.stdin.on('data', (data: Buffer) => {
        const key = data.toString();
        // q, Q, Ctrl-C (raw mode delivers it as a byte, not SIGINT), Ctrl-D
        if (key === 'q' || key === 'Q' || key.includes('\u0003') || key.includes('\u0004')) onQuit();
      });
    }
    process.on('exit', this.restore);
  }

  /** Draws a frame over the previous one: home, each line cleared to its end, the rest of the screen cleared. */
  draw(lines: readonly string[]): void {
    this.stdout.write(`\u001b[H${lines.map((line) => `${line}\u001b[K`).join('\n')}\u001b[J`);
  }

  readonly restore = (): void => {
    if (!this.active) return;
    this.active = false;
    try {
      if (this.stdin.isTTY) this.stdin.setRawMode(false);
      this.stdin.pause();
    } catch {
      // the terminal is already gone (SIGHUP): nothing left to restore on it
    }
    this.stdout.write(LEAVE);
    process.removeListener('exit', this.restore);
  };
}
