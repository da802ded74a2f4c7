import type { RuntimeSources } from '../runtime.js';
import type { EventLoopSampler, EventLoopSamplerOptions } from './EventLoopSampler.js';
import { IterationDelaySampler } from './IterationDelaySampler.js';
import { TimerDelaySampler } from './TimerDelaySampler.js';

/**
 * The delay sampler this runtime allows: Node's per-iteration histogram where
 * it exists (no timer, no floor), the JavaScript timer sampler elsewhere. The
 * event-loop family and the in-process report choose the same way.
 */
export function createEventLoopSampler(
  runtime: RuntimeSources,
  eventLoopIdleMillis: () => number,
  options: EventLoopSamplerOptions,
): EventLoopSampler {
  const { now, setRepeatingTimer, clearTimer, iterationHistogram, onCheckPhase } = runtime;
  return iterationHistogram && onCheckPhase
    ? new IterationDelaySampler({ now, setRepeatingTimer, clearTimer, eventLoopIdleMillis, iterationHistogram, onCheckPhase }, options)
    : new TimerDelaySampler({ now, setRepeatingTimer, clearTimer, eventLoopIdleMillis }, options);
}
