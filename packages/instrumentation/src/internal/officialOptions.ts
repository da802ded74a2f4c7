import type { DiagLogger } from '@opentelemetry/api';
import { describeValue, INTEGER_RANGES } from '../options.js';

/**
 * The configuration fields of `@opentelemetry/instrumentation-runtime-node`
 * (0.37), so that swapping the class name is the whole migration. A field with
 * an equivalent here is mapped to it; the others are accepted (their type still
 * checked, a wrong value is the same bug in either library) and ignored, said
 * once per configuration.
 */
/** Theirs -> ours. monitorEventLoopDelay's resolution is what our sampler's period is. */
const MAPPED: Readonly<Record<string, keyof typeof INTEGER_RANGES>> = Object.freeze({ monitoringPrecision: 'eventLoopResolutionMillis' });

/** Accepted for a one-line migration, with nothing to do here: we emit metrics, not exception log records. */
const IGNORED: Readonly<Record<string, 'boolean' | 'function'>> = Object.freeze({
  captureUncaughtException: 'boolean',
  applyCustomExceptionAttributes: 'function',
});

/**
 * `config` with the official fields translated: mapped ones renamed (a clash
 * with our own field throws), ignored ones dropped after a type check.
 */
export function translateOfficialOptions(input: unknown, logger: DiagLogger): unknown {
  // Not an object: left for resolveOptions to reject, naming it.
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const config = input as Record<string, unknown>;
  const translated: Record<string, unknown> = { ...config };
  for (const [theirs, ours] of Object.entries(MAPPED)) {
    if (!(theirs in config) || config[theirs] === undefined) {
      delete translated[theirs];
      continue;
    }
    if (config[ours] !== undefined && config[ours] !== config[theirs]) {
      throw new TypeError(
        `${theirs} (from @opentelemetry/instrumentation-runtime-node) is ${ours} here; give one of them, got ${theirs} ${describeValue(config[theirs])} and ${ours} ${describeValue(config[ours])}`,
      );
    }
    translated[ours] = config[theirs];
    delete translated[theirs];
    // A range error must name the field the user wrote, not ours.
    checkMapped(theirs, ours, config[theirs]);
  }
  const ignored: string[] = [];
  for (const [field, type] of Object.entries(IGNORED)) {
    const value = config[field];
    delete translated[field];
    if (value === undefined) continue;
    if (typeof value !== type) throw new TypeError(`${field} must be a ${type}, got ${describeValue(value)}`);
    ignored.push(field);
  }
  if (ignored.length > 0) {
    // Asked for something we do not do (true, a function): worth a warning; false asks for nothing.
    const asked = ignored.some((field) => Boolean(config[field]));
    logger[asked ? 'warn' : 'debug'](
      `${ignored.join(', ')} (options of @opentelemetry/instrumentation-runtime-node) ignored: nodevitals reports runtime metrics only, no exception log records`,
    );
  }
  return translated;
}

function checkMapped(theirs: string, ours: keyof typeof INTEGER_RANGES, value: unknown): void {
  const [min, max] = INTEGER_RANGES[ours];
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${theirs} must be a number, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${theirs} (${ours} here) must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
}
