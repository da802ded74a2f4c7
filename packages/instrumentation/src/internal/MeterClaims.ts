import { createNoopMeter, type DiagLogger, type Meter } from '@opentelemetry/api';

/**
 * Which runtime-metrics instance reports on which meter, process-wide.
 *
 * A MeterProvider hands out one Meter per instrumentation scope, and two sets
 * of our instruments on that meter share their storage: every GC pause and
 * every event-loop sample would be recorded twice. So the first start on a
 * meter owns it and a later one reports nothing there.
 *
 * Kept on `globalThis` under a registered symbol: the CommonJS and ES module
 * builds are separate module instances (an app can load one while the
 * zero-code entry loads the other), and both must see the same claims.
 */
interface Claims {
  /** Meter -> the instance reporting on it. */
  readonly owners: WeakMap<Meter, object>;
  /** Meters whose duplicate start was already reported, so it is said once. */
  readonly reported: WeakSet<Meter>;
  /** Instances running anywhere in the process, to notice a second provider. */
  readonly running: Set<object>;
  /** The process was already told that two providers each report runtime metrics. */
  crossProviderReported: boolean;
}

const KEY = Symbol.for('@nodevitals/instrumentation/meter-claims');
const store = globalThis as Record<symbol, Claims | undefined>;

function claims(): Claims {
  store[KEY] ??= { owners: new WeakMap(), reported: new WeakSet(), running: new Set(), crossProviderReported: false };
  return store[KEY];
}

/**
 * Takes `meter` for `owner`. False when another instance already reports on
 * it; that is said once per meter through `logger`. The no-op meter (no
 * provider registered yet) is never claimed: nothing is recorded there.
 */
export function claimMeter(meter: Meter, owner: object, logger: DiagLogger): boolean {
  if (meter === createNoopMeter()) return true;
  const state = claims();
  const current = state.owners.get(meter);
  if (current !== undefined && current !== owner) {
    if (!state.reported.has(meter)) {
      state.reported.add(meter);
      logger.warn(
        'runtime metrics already run on this MeterProvider (startRuntimeMetrics or NodeRuntimeInstrumentation was started twice); ' +
          'the second start reports nothing, so no value is counted twice, and the first one keeps its options',
      );
    }
    return false;
  }
  if (current === undefined && state.running.size > 0 && !state.crossProviderReported) {
    // Not a fault of ours (each provider exports its own, correct copy), but a
    // query summing both streams counts every pause twice: say so once.
    state.crossProviderReported = true;
    logger.warn(
      'runtime metrics now run on a second MeterProvider in this process (for example NodeSDK with ' +
        'NodeRuntimeInstrumentation and the @nodevitals/exporter-presets/register entry): each provider exports ' +
        'its own full copy, so keep one of them unless both are meant',
    );
  }
  state.owners.set(meter, owner);
  state.running.add(owner);
  return true;
}

/** Gives `meter` up if `owner` holds it; a later start on it reports again. */
export function releaseMeter(meter: Meter, owner: object): void {
  const state = claims();
  if (state.owners.get(meter) === owner) state.owners.delete(meter);
  state.running.delete(owner);
}
