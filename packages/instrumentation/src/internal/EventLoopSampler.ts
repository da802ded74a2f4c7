import type { DelayStats } from './DelayHistogram.js';

/**
 * What the event-loop family reads from a delay sampler, whichever way it
 * samples: Node's per-iteration histogram where the runtime has it
 * (`IterationDelaySampler`), an unref'd JavaScript timer elsewhere
 * (`TimerDelaySampler`).
 */
export interface EventLoopSampler {
  start(): void;
  /** Stops sampling; what was sampled stays readable. */
  stop(): void;
  /** Delay statistics over the window, in microseconds; undefined before the first sample. */
  windowStats(): DelayStats | undefined;
  /** Busy share of the loop over the window, 0 to 1. */
  windowUtilization(): number | undefined;
  /** Hands every sample taken since the last call to `record` (seconds), once each. */
  drainSamples(record: (seconds: number) => void): void;
}

export interface EventLoopSamplerOptions {
  /** Period of the timer sampler; the per-iteration sampler has no sampling timer. */
  resolutionMillis: number;
  windowMillis: number;
  slots: number;
}
