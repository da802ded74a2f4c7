import { diag } from '@opentelemetry/api';
import { printableKey } from './redact.js';

/**
 * Reading the standard `OTEL_*` variables. An environment typo must never take
 * a service down, so a bad value is reported once through `diag.warn`, naming
 * the variable and what is used instead, and then ignored.
 */

const warned = new Set<string>();

/** Forgets which bad values were reported, so tests can observe the warning again. */
export function resetEnvironmentWarnings(): void {
  warned.clear();
}

/**
 * Whether a diag logger is installed now. The API keeps it in a process-wide
 * registry under a versioned symbol (API 1.x). Only decides whether to warn
 * now or a moment later: either way the warning goes through `diag.warn`.
 */
function diagLoggerInstalled(): boolean {
  const registry = (globalThis as Record<symbol, { diag?: unknown } | undefined>)[Symbol.for('opentelemetry.js.api.1')];
  return registry?.diag !== undefined;
}

const pending: string[] = [];

/**
 * Reports `message` through `diag.warn` the first time `key` is seen, never
 * again. In `new NodeSDK({ metricReaders: createMetricReaders() })` the
 * readers are built before NodeSDK installs the logger `OTEL_LOG_LEVEL` asks
 * for, so a warning with no logger yet waits for the end of the current
 * script (an unref'd immediate) and goes to whatever logger there is then.
 */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  if (diagLoggerInstalled()) {
    diag.warn(message);
    return;
  }
  pending.push(message);
  if (pending.length === 1) {
    setImmediate(() => {
      for (const waiting of pending.splice(0)) diag.warn(waiting);
    }).unref();
  }
}

function rawValue(variable: string): string | undefined {
  const raw = process.env[variable]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

export interface EnvReading<T> {
  readonly value: T;
  readonly variable: string;
}

/**
 * What a parser says about a value it refuses, when it can say more than
 * "expected X". The text is printed: it must never hold a secret.
 */
export class EnvProblem {
  constructor(readonly description: string) {}
}

/** How a refused value may be printed. The default quotes it whole: only for variables that cannot hold a secret. */
export type ShowValue = (raw: string) => string;

const quoteWhole: ShowValue = (raw) => JSON.stringify(raw);

/**
 * The first variable of `variables` (most specific first) that is set and
 * valid. Each set-but-invalid one is reported once, naming the variable,
 * what is wrong and the fallback. `show` is how the refused value may appear
 * in that warning: variables that can carry a secret (headers, endpoints,
 * resource attributes) pass a redacting one, so the secret is cut where the
 * value is parsed and no later message can print it.
 */
export function readEnv<T>(
  variables: readonly string[],
  parse: (raw: string) => T | EnvProblem | undefined,
  expected: string,
  defaultDescription: string,
  show: ShowValue = quoteWhole,
): EnvReading<T> | undefined {
  const invalid: Array<{ variable: string; raw: string; problem: EnvProblem | undefined }> = [];
  let reading: EnvReading<T> | undefined;
  for (const variable of variables) {
    const raw = rawValue(variable);
    if (raw === undefined) continue;
    const value = parse(raw);
    if (value === undefined || value instanceof EnvProblem) {
      invalid.push({ variable, raw, problem: value instanceof EnvProblem ? value : undefined });
      continue;
    }
    reading = { value, variable };
    break;
  }
  for (const { variable, raw, problem } of invalid) {
    const fallback = reading ? `${reading.variable} instead` : `the default, ${defaultDescription}`;
    const what = problem ? `${problem.description} (expected ${expected})` : `expected ${expected}, got ${show(raw)}`;
    // The key holds the raw value so a changed value is reported again; it is never printed.
    warnOnce(`${variable}=${raw}`, `${variable} is invalid: ${what}; using ${fallback}`);
  }
  return reading;
}

export function envString(variables: readonly string[]): EnvReading<string> | undefined {
  return readEnv(variables, (raw) => raw, 'a string', '');
}

export function envInteger(
  variables: readonly string[],
  min: number,
  max: number,
  defaultValue: number,
): EnvReading<number> | undefined {
  return readEnv(
    variables,
    (raw) => {
      if (!/^[+-]?\d+$/.test(raw)) return undefined;
      const value = Number(raw);
      return value >= min && value <= max ? value : undefined;
    },
    `an integer from ${min} to ${max}`,
    String(defaultValue),
  );
}

export function envChoice<T extends string>(
  variables: readonly string[],
  choices: readonly T[],
  defaultValue: T,
): EnvReading<T> | undefined {
  return readEnv(
    variables,
    (raw) => {
      const value = raw.toLowerCase() as T;
      return choices.includes(value) ? value : undefined;
    },
    `one of ${choices.join(', ')}`,
    defaultValue,
  );
}

export function envBoolean(variables: readonly string[], defaultValue: boolean): EnvReading<boolean> | undefined {
  return readEnv(
    variables,
    (raw) => {
      const value = raw.toLowerCase();
      if (value === 'true') return true;
      if (value === 'false') return false;
      return undefined;
    },
    'true or false',
    String(defaultValue),
  );
}

/**
 * `key1=value1,key2=value2`, values percent-decoded (W3C Baggage style, as the
 * spec says). What is wrong is said by position and key, never by value: the
 * lists that carry headers carry credentials.
 */
export function parseKeyValueList(raw: string): Record<string, string> | EnvProblem {
  const result: Record<string, string> = {};
  const entries = raw.split(',');
  for (const [index, entry] of entries.entries()) {
    if (entry.trim() === '') continue;
    const position = `entry ${index + 1} of ${entries.length}`;
    const separator = entry.indexOf('=');
    if (separator < 0) return new EnvProblem(`${position} has no "=" (values not shown)`);
    const key = entry.slice(0, separator).trim();
    if (key === '') return new EnvProblem(`${position} has an empty key (values not shown)`);
    try {
      result[key] = decodeURIComponent(entry.slice(separator + 1).trim());
    } catch {
      return new EnvProblem(`the value of ${printableKey(key)} (${position}) is not valid percent-encoding (values not shown)`);
    }
  }
  return result;
}

export function envKeyValueList(variables: readonly string[]): EnvReading<Record<string, string>> | undefined {
  return readEnv(variables, parseKeyValueList, 'comma-separated key=value pairs', 'none');
}

/** `OTEL_SDK_DISABLED=true` turns every preset into a no-op. */
export function sdkDisabled(): boolean {
  return envBoolean(['OTEL_SDK_DISABLED'], false)?.value ?? false;
}

/** Every `OTEL_EXPORTER_OTLP_*` variable currently set. */
function otlpVariables(): string[] {
  return Object.keys(process.env).filter((name) => name.startsWith('OTEL_EXPORTER_OTLP_'));
}

/**
 * Runs `construct` with the `OTEL_EXPORTER_OTLP_*` variables hidden. The
 * upstream exporters read (and warn about) those variables themselves; we have
 * already resolved every one of them with our precedence and pass the result
 * explicitly, so letting them read again would only repeat the warnings and
 * merge headers we chose not to use. The constructor is synchronous, so no
 * other code can observe the gap.
 */
export function withoutOtlpEnvironment<T>(construct: () => T): T {
  const saved = new Map<string, string>();
  for (const name of otlpVariables()) {
    saved.set(name, process.env[name] as string);
    delete process.env[name];
  }
  try {
    return construct();
  } finally {
    for (const [name, value] of saved) process.env[name] = value;
  }
}
