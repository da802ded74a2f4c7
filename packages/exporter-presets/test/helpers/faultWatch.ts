/**
 * Watches what a user would call a crash or a hang while faults are injected:
 * unhandled rejections, uncaught exceptions, and stalls of the event loop.
 */
export class FaultWatch {
  readonly unhandled: unknown[] = [];
  private readonly onRejection = (reason: unknown): void => {
    this.unhandled.push(reason);
  };
  private readonly onException = (error: unknown): void => {
    this.unhandled.push(error);
  };
  private ticker: NodeJS.Timeout | undefined;
  private lastTick = 0;
  /** Longest gap between two 10 ms ticks since start(), in milliseconds. */
  longestStallMillis = 0;

  start(): this {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
    this.lastTick = Date.now();
    this.ticker = setInterval(() => {
      const now = Date.now();
      this.longestStallMillis = Math.max(this.longestStallMillis, now - this.lastTick);
      this.lastTick = now;
    }, 10);
    return this;
  }

  stop(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
    clearInterval(this.ticker);
  }
}
