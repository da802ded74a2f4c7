import {
  DEFAULT_OPTIONS as RUNTIME_DEFAULTS,
  INTEGER_RANGES,
  SLOTS_PER_WINDOW,
  type RuntimeMetricsOptions,
} from '@nodevitals/instrumentation';
import { envBoolean, envInteger, warnOnce } from './environment.js';

/**
 * The instrumentation's options as `NODEVITALS_*` variables, for the zero-code
 * entry, which has no code to pass them in. One prefix, the option's name in
 * upper snake case (`eventLoopResolutionMillis` ->
 * `NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS`), each checked like the `OTEL_*`
 * ones: a wrong value warns once, naming the variable, and the default is used.
 */
export const RUNTIME_VARIABLES = Object.freeze({
  heap: 'NODEVITALS_HEAP',
  gc: 'NODEVITALS_GC',
  eventLoop: 'NODEVITALS_EVENT_LOOP',
  resources: 'NODEVITALS_RESOURCES',
  process: 'NODEVITALS_PROCESS',
  workers: 'NODEVITALS_WORKERS',
  heapSpaceDetail: 'NODEVITALS_HEAP_SPACE_DETAIL',
  diskIo: 'NODEVITALS_DISK_IO',
  threadCpu: 'NODEVITALS_THREAD_CPU',
  loopCounters: 'NODEVITALS_LOOP_COUNTERS',
  eventLoopResolutionMillis: 'NODEVITALS_EVENT_LOOP_RESOLUTION_MILLIS',
  eventLoopWindowMillis: 'NODEVITALS_EVENT_LOOP_WINDOW_MILLIS',
} as const);

// The family switches and the opt-in series inside families: all booleans.
const FLAGS = [
  'heap', 'gc', 'eventLoop', 'resources', 'process', 'workers', 'heapSpaceDetail', 'diskIo', 'threadCpu', 'loopCounters',
] as const;

/** The options the variables set; those unset (or wrong) are left out, so the defaults apply. */
export function runtimeOptionsFromEnvironment(): RuntimeMetricsOptions {
  const options: RuntimeMetricsOptions = {};
  for (const flag of FLAGS) {
    const reading = envBoolean([RUNTIME_VARIABLES[flag]], RUNTIME_DEFAULTS[flag]);
    if (reading) options[flag] = reading.value;
  }
  const [resolutionMin, resolutionMax] = INTEGER_RANGES.eventLoopResolutionMillis;
  const resolution = envInteger(
    [RUNTIME_VARIABLES.eventLoopResolutionMillis],
    resolutionMin,
    resolutionMax,
    RUNTIME_DEFAULTS.eventLoopResolutionMillis,
  )?.value;
  const [windowMin, windowMax] = INTEGER_RANGES.eventLoopWindowMillis;
  const window = envInteger([RUNTIME_VARIABLES.eventLoopWindowMillis], windowMin, windowMax, RUNTIME_DEFAULTS.eventLoopWindowMillis)?.value;
  if (resolution !== undefined) options.eventLoopResolutionMillis = resolution;
  if (window !== undefined) {
    // The window is kept as rotating slots of at least one sampler period each.
    const needed = SLOTS_PER_WINDOW * (resolution ?? RUNTIME_DEFAULTS.eventLoopResolutionMillis);
    if (window >= needed) options.eventLoopWindowMillis = window;
    else {
      // Never below the default window, which fits every valid resolution.
      warnOnce(
        `${RUNTIME_VARIABLES.eventLoopWindowMillis}=${window}:${needed}`,
        `${RUNTIME_VARIABLES.eventLoopWindowMillis} is invalid: expected at least ${SLOTS_PER_WINDOW} x the event-loop resolution (${needed}), got "${window}"; using the default, ${RUNTIME_DEFAULTS.eventLoopWindowMillis}`,
      );
    }
  }
  return options;
}
