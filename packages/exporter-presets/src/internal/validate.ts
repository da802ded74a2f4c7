import { describeSecretValue, printableKey, redactUrl } from './redact.js';

/**
 * Option checks shared by every entry point. A wrong value the user passed in
 * code throws at construction, naming the field and the value received:
 * unlike an environment typo, it is a bug the author can fix before deploying.
 */

/** A value as the user wrote it, for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (typeof value === 'function') return 'a function';
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return 'an object';
    }
  }
  return String(value);
}

/** The options object itself: absent, or a plain object whose keys are all known. */
export function checkOptionsObject(input: unknown, knownFields: readonly string[]): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new TypeError(`options must be an object, got ${describeValue(input)}`);
  }
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    // A misspelt field would otherwise be silently ignored and the default used.
    if (!knownFields.includes(key)) {
      throw new TypeError(
        // The value is not printed whole: a misspelt `header` or `endpont` may carry a credential.
        `unknown option ${printableKey(key)} (got ${describeSecretValue(options[key])}); known options: ${knownFields.join(', ')}`,
      );
    }
  }
  return options;
}

export function optionalInteger(field: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${field} must be a number, got ${describeValue(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field} must be an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

export function optionalBoolean(field: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new TypeError(`${field} must be a boolean, got ${describeValue(value)}`);
  return value;
}

export function optionalString(field: string, value: unknown, describe: (value: unknown) => string = describeValue): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${field} must be a non-empty string, got ${describe(value)}`);
  }
  return value.trim();
}

export function optionalChoice<T extends string>(field: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new TypeError(`${field} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describeValue(value)}`);
  }
  if (!choices.includes(value as T)) {
    throw new RangeError(`${field} must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}

/**
 * What every OTLP transport accepts as a header: gRPC metadata is the
 * narrower, and grpc-js throws on anything else when the exporter is built.
 * Names: letters, digits, `-`, `_`, `.`, not ending in `-bin` (binary
 * metadata); values: printable ASCII. The problem never quotes a value.
 */
export function headerProblem(name: string, value: string): string | undefined {
  if (!/^[0-9A-Za-z_.-]+$/.test(name) || /-bin$/i.test(name)) {
    return `header names must be letters, digits, "-", "_" or "." and not end in "-bin", got ${printableKey(name)}`;
  }
  if (!/^[\x20-\x7e]*$/.test(value)) return `the value of header ${printableKey(name)} must be printable ASCII (value not shown)`;
  return undefined;
}

export function optionalHeaders(field: string, value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${field} must be an object of string values, got ${describeSecretValue(value)}`);
  }
  const headers: Record<string, string> = {};
  for (const [key, headerValue] of Object.entries(value)) {
    if (typeof headerValue !== 'string') {
      throw new TypeError(`${field}[${printableKey(key)}] must be a string, got ${typeof headerValue === 'object' ? 'an object' : `a ${typeof headerValue}`} (not shown)`);
    }
    const problem = headerProblem(key, headerValue);
    if (problem) throw new TypeError(`${field}: ${problem}`);
    headers[key] = headerValue;
  }
  return Object.freeze(headers);
}

/**
 * RFC 1123 labels (`localhost`, `collector.observability.svc`), as DNS and
 * every resolver accept them, plus underscores: Docker and Compose service
 * names have them and resolve.
 */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export function isHostName(host: string): boolean {
  return HOSTNAME.test(host);
}

/** An endpoint as an error may print it: userinfo and query values cut. */
export function describeEndpoint(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(redactUrl(value)) : describeSecretValue(value);
}

/** Bucket boundaries: finite, > 0, strictly increasing, in seconds. */
export function optionalBuckets(field: string, value: unknown): readonly number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((bound) => typeof bound !== 'number')) {
    throw new TypeError(`${field} must be an array of numbers, got ${describeValue(value)}`);
  }
  if (value.length === 0) throw new RangeError(`${field} must have at least one boundary, got []`);
  value.forEach((bound: number, index) => {
    if (!Number.isFinite(bound) || bound <= 0) {
      throw new RangeError(`${field} must hold finite numbers > 0 (seconds), got ${describeValue(value)}`);
    }
    if (index > 0 && bound <= value[index - 1]) {
      throw new RangeError(`${field} must be strictly increasing, got ${describeValue(value)}`);
    }
  });
  return Object.freeze([...value]);
}
