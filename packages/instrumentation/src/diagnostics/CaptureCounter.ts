import type { Attributes, MeterProvider, ObservableCounter, ObservableResult } from '@opentelemetry/api';
import { ATTRIBUTES, METRICS } from '../catalog.js';
import { MonotonicCounters } from '../internal/safeObserve.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import type { CaptureCounts } from './CaptureBudget.js';
import type { CaptureKind } from './DiagnosticsOptions.js';

const OUTCOMES = ['written', 'skipped', 'failed'] as const;
type Outcome = (typeof OUTCOMES)[number];

/**
 * `nodevitals.diagnostics.captures`: what the captures did, by kind and
 * outcome, so a dashboard or an alert sees a capture without reading the log.
 * Written captures are counted from this process's files in the directory (a
 * near-limit file is V8's own, known only once it is there), held monotonic
 * so a file removed by an operator does not make the counter go back.
 */
export class CaptureCounter {
  private readonly counter: ObservableCounter;
  private readonly counters = new MonotonicCounters();
  private readonly attributes = new Map<string, Attributes>();
  private readonly observe = (result: ObservableResult): void => {
    let counts: CaptureCounts;
    try {
      counts = this.counts();
    } catch {
      return;
    }
    for (const kind of this.kinds) {
      const values: Record<Outcome, number> = {
        written: counts.captured[kind],
        skipped: counts.skippedByKind[kind],
        failed: counts.failedByKind[kind],
      };
      for (const outcome of OUTCOMES) {
        const value = this.counters.value(`${kind}:${outcome}`, values[outcome]);
        if (value !== undefined && Number.isFinite(value)) result.observe(value, this.attributesOf(kind, outcome));
      }
    }
  };

  constructor(
    meterProvider: MeterProvider,
    private readonly kinds: readonly CaptureKind[],
    private readonly counts: () => CaptureCounts,
  ) {
    const definition = METRICS.diagnosticsCaptures;
    this.counter = meterProvider
      .getMeter(PACKAGE_NAME, PACKAGE_VERSION)
      .createObservableCounter(definition.name, { description: definition.description, unit: definition.unit });
    this.counter.addCallback(this.observe);
  }

  stop(): void {
    this.counter.removeCallback(this.observe);
  }

  private attributesOf(kind: CaptureKind, outcome: Outcome): Attributes {
    const key = `${kind}:${outcome}`;
    let attributes = this.attributes.get(key);
    if (!attributes) {
      attributes = Object.freeze({ [ATTRIBUTES.diagnosticsCapture]: kind, [ATTRIBUTES.diagnosticsOutcome]: outcome });
      this.attributes.set(key, attributes);
    }
    return attributes;
  }
}
