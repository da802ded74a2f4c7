import type { Attributes, BatchObservableResult, Histogram, Observable } from '@opentelemetry/api';
import { ATTRIBUTES, METRICS } from '../catalog.js';
import type { EventLoopSampler } from '../internal/EventLoopSampler.js';
import { createEventLoopSampler } from '../internal/createEventLoopSampler.js';
import { BatchRegistration } from '../internal/BatchRegistration.js';
import { guarded, MonotonicCounters, observeFinite } from '../internal/safeObserve.js';
import { SLOTS_PER_WINDOW } from '../options.js';
import {
  createHistogram,
  createObservable,
  probe,
  requireSource,
  type FamilyContext,
  type MetricFamily,
} from './MetricFamily.js';

const ACTIVE: Attributes = Object.freeze({ [ATTRIBUTES.eventLoopState]: 'active' });
const IDLE: Attributes = Object.freeze({ [ATTRIBUTES.eventLoopState]: 'idle' });
// Recorded with every sample: without it the SDK allocates a fresh empty
// attribute object per record.
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Event-loop delay (window gauges and a mergeable histogram), utilization over
 * the window, and cumulative active/idle time. One utilization read per collection.
 */
export class EventLoopFamily implements MetricFamily {
  readonly name = 'eventLoop';
  private readonly eventLoopUtilization;
  private readonly sampler: EventLoopSampler;
  private readonly distribution: Histogram;
  private readonly counters = new MonotonicCounters();
  private readonly gauges: Record<'min' | 'max' | 'mean' | 'stddev' | 'p50' | 'p90' | 'p99' | 'utilization', Observable>;
  private readonly time: Observable;
  private readonly registration: BatchRegistration;

  constructor(context: FamilyContext) {
    const { runtime, meter, options } = context;
    const eventLoopUtilization = requireSource(runtime.eventLoopUtilization, 'performance.eventLoopUtilization');
    probe(eventLoopUtilization, 'performance.eventLoopUtilization');
    this.eventLoopUtilization = eventLoopUtilization;
    const eventLoopIdleMillis = requireSource(runtime.eventLoopIdleMillis, 'performance.nodeTiming.idleTime');
    probe(eventLoopIdleMillis, 'performance.nodeTiming.idleTime');
    this.distribution = createHistogram(meter, METRICS.eventLoopDelayDistribution, options.eventLoopDelayBucketsSeconds);
    const samplerOptions = {
      resolutionMillis: options.eventLoopResolutionMillis,
      windowMillis: options.eventLoopWindowMillis,
      slots: SLOTS_PER_WINDOW,
    };
    this.sampler = createEventLoopSampler(runtime, eventLoopIdleMillis, samplerOptions);
    this.gauges = {
      min: createObservable(meter, METRICS.eventLoopDelayMin),
      max: createObservable(meter, METRICS.eventLoopDelayMax),
      mean: createObservable(meter, METRICS.eventLoopDelayMean),
      stddev: createObservable(meter, METRICS.eventLoopDelayStddev),
      p50: createObservable(meter, METRICS.eventLoopDelayP50),
      p90: createObservable(meter, METRICS.eventLoopDelayP90),
      p99: createObservable(meter, METRICS.eventLoopDelayP99),
      utilization: createObservable(meter, METRICS.eventLoopUtilization),
    };
    this.time = createObservable(meter, METRICS.eventLoopTime);
    this.registration = new BatchRegistration(
      context.batch,
      guarded(context.logger, 'event-loop collection', (result: BatchObservableResult) => this.collect(result)),
      [...Object.values(this.gauges), this.time],
    );
  }

  enable(): void {
    this.sampler.start();
    this.registration.register();
  }

  disable(): void {
    this.sampler.stop();
    this.registration.remove();
    // What was sampled since the last collection still reaches every reader.
    this.sampler.drainSamples(this.recordSample);
  }

  private readonly recordSample = (seconds: number): void => this.distribution.record(seconds, NO_ATTRIBUTES);

  private collect(result: BatchObservableResult): void {
    const g = this.gauges;
    const stats = this.sampler.windowStats();
    if (stats) {
      observeFinite(result, g.min, stats.min / 1e6);
      observeFinite(result, g.max, stats.max / 1e6);
      observeFinite(result, g.mean, stats.mean / 1e6);
      observeFinite(result, g.stddev, stats.stddev / 1e6);
      observeFinite(result, g.p50, stats.p50 / 1e6);
      observeFinite(result, g.p90, stats.p90 / 1e6);
      observeFinite(result, g.p99, stats.p99 / 1e6);
    }
    this.sampler.drainSamples(this.recordSample);
    const { idle, active } = this.eventLoopUtilization();
    observeFinite(result, g.utilization, this.sampler.windowUtilization());
    observeFinite(result, this.time, this.counters.value('active', active / 1000), ACTIVE);
    observeFinite(result, this.time, this.counters.value('idle', idle / 1000), IDLE);
  }
}
