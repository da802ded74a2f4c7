import type { RuntimeSources, TimerHandle } from '../runtime.js';
import { DelayWindow } from './DelayWindow.js';
import type { DelayStats } from './DelayHistogram.js';
import type { EventLoopSampler, EventLoopSamplerOptions } from './EventLoopSampler.js';
import { PendingSamples } from './PendingSamples.js';

/**
 * Samples event-loop delay with an unref'd timer, for runtimes without Node's
 * per-iteration histogram (Node 22).
 *
 * A sample is the stretch of busy time that held the timer back. Node's
 * histogram records the tick-to-tick interval, so an idle loop reads as the
 * resolution (~10 ms) and a 50 ms stall as up to 60 ms. Here the timer's
 * lateness says the loop was busy at least that long; the active time in
 * the interval (elapsed minus the loop's idle time) says at most that long. The
 * sample is the active time, capped at twice the lateness so that a loop
 * saturated by many short callbacks is not reported as one long stall.
 * An idle loop therefore reads as the few microseconds of our own tick, and
 * a stall as its length, whatever its phase against the timer.
 *
 * A tick allocates nothing and calls no SDK code: it reads two numbers and
 * writes a few array cells. The samples reach the SDK's histogram at the
 * next collection (`drainSamples`).
 */
export class TimerDelaySampler implements EventLoopSampler {
  private readonly window: DelayWindow;
  private readonly pending = new PendingSamples();
  private timer: TimerHandle | undefined;
  private lastAt = 0;
  private lastIdle = 0;

  constructor(
    private readonly runtime: Required<Pick<RuntimeSources, 'now' | 'setRepeatingTimer' | 'clearTimer' | 'eventLoopIdleMillis'>>,
    private readonly options: EventLoopSamplerOptions,
  ) {
    this.window = new DelayWindow(options.windowMillis / options.slots, options.slots);
  }

  start(): void {
    if (this.timer) return;
    const at = this.runtime.now();
    const idle = this.runtime.eventLoopIdleMillis();
    this.lastAt = at;
    this.lastIdle = idle;
    this.window.open({ at, idle });
    this.timer = this.runtime.setRepeatingTimer(this.tick, this.options.resolutionMillis);
  }

  stop(): void {
    if (!this.timer) return;
    this.runtime.clearTimer(this.timer);
    this.timer = undefined;
  }

  windowStats(): DelayStats | undefined {
    return this.window.stats(this.runtime.now());
  }

  windowUtilization(): number | undefined {
    return this.window.utilization({ at: this.runtime.now(), idle: this.runtime.eventLoopIdleMillis() });
  }

  drainSamples(record: (seconds: number) => void): void {
    this.pending.drain(record);
  }

  private readonly tick = (): void => {
    try {
      const at = this.runtime.now();
      const idle = this.runtime.eventLoopIdleMillis();
      // The interval timer's period starts when the previous tick fired.
      const interval = at - this.lastAt;
      const lateness = interval - this.options.resolutionMillis;
      const active = Math.max(0, interval - (idle - this.lastIdle));
      const micros = lateness > 0 ? Math.min(active, 2 * lateness) * 1000 : 0;
      this.lastAt = at;
      this.lastIdle = idle;
      this.window.slotAt(at, idle).record(micros);
      this.pending.record(micros);
    } catch {
      // A sampler that throws would surface in the host's timers phase: the
      // interval keeps running, and the next tick tries again.
    }
  };
}
