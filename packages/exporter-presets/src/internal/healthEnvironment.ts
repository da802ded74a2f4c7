import {
  CHECK_NAMES,
  HEALTH_DEFAULTS,
  HEALTH_INTEGER_RANGES,
  THRESHOLDS,
  isThresholdValue,
  thresholdField,
  type CheckName,
  type HealthMonitorOptions,
} from '@nodevitals/instrumentation';
import { envBoolean, envInteger, readEnv, warnOnce } from './environment.js';

const PREFIX = 'NODEVITALS_HEALTH';

/** `eventLoopDelay` -> `EVENT_LOOP_DELAY`. */
function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The variable of one threshold: `NODEVITALS_HEALTH_EVENT_LOOP_DELAY_WARNING`. */
export function thresholdVariable(check: CheckName, level: 'warning' | 'critical'): string {
  return `${PREFIX}_${upperSnake(check)}_${level.toUpperCase()}`;
}

/** Every variable health reads, for docs and the environment audit. */
export const HEALTH_VARIABLES = Object.freeze({
  enabled: PREFIX,
  windowMillis: `${PREFIX}_WINDOW_MILLIS`,
  intervalMillis: `${PREFIX}_INTERVAL_MILLIS`,
  thresholds: Object.freeze(
    CHECK_NAMES.flatMap((check) => [thresholdVariable(check, 'warning'), thresholdVariable(check, 'critical')]),
  ),
});

/** Whether health runs where the presets start it: `NODEVITALS_HEALTH` (default true). */
export function healthEnabledByEnvironment(): boolean {
  return envBoolean([HEALTH_VARIABLES.enabled], true)?.value ?? true;
}

function envThreshold(variable: string, defaultValue: number): number | undefined {
  return readEnv(
    [variable],
    (raw) => {
      if (!/^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return undefined;
      const value = Number(raw);
      return isThresholdValue(value) ? value : undefined;
    },
    'a number > 0',
    String(defaultValue),
  )?.value;
}

/**
 * The health options the `NODEVITALS_HEALTH_*` variables set; unset or wrong
 * ones are left out so the table's defaults apply. Each is checked like the
 * `OTEL_*` ones (one diag.warn naming the variable), and so is each pair: a
 * warning not below its critical drops both, an interval above the window
 * drops both, so what runs is always a valid configuration.
 */
export function healthOptionsFromEnvironment(): HealthMonitorOptions {
  const options: HealthMonitorOptions = {};
  const [windowMin, windowMax] = HEALTH_INTEGER_RANGES.windowMillis;
  const [intervalMin, intervalMax] = HEALTH_INTEGER_RANGES.intervalMillis;
  const window = envInteger([HEALTH_VARIABLES.windowMillis], windowMin, windowMax, HEALTH_DEFAULTS.windowMillis)?.value;
  const interval = envInteger([HEALTH_VARIABLES.intervalMillis], intervalMin, intervalMax, HEALTH_DEFAULTS.intervalMillis)?.value;
  if ((interval ?? HEALTH_DEFAULTS.intervalMillis) > (window ?? HEALTH_DEFAULTS.windowMillis)) {
    warnOnce(
      `${HEALTH_VARIABLES.intervalMillis}>${HEALTH_VARIABLES.windowMillis}:${interval}:${window}`,
      `${HEALTH_VARIABLES.intervalMillis} is invalid: expected at most the window (${window ?? HEALTH_DEFAULTS.windowMillis}), got "${interval}"; using the defaults, ${HEALTH_DEFAULTS.intervalMillis} and ${HEALTH_DEFAULTS.windowMillis}`,
    );
  } else {
    if (window !== undefined) options.windowMillis = window;
    if (interval !== undefined) options.intervalMillis = interval;
  }
  for (const check of CHECK_NAMES) {
    const { warning: defaultWarning, critical: defaultCritical } = THRESHOLDS[check];
    const warningVariable = thresholdVariable(check, 'warning');
    const criticalVariable = thresholdVariable(check, 'critical');
    const warning = envThreshold(warningVariable, defaultWarning);
    const critical = envThreshold(criticalVariable, defaultCritical);
    if (warning === undefined && critical === undefined) continue;
    if (!((warning ?? defaultWarning) < (critical ?? defaultCritical))) {
      const variable = warning !== undefined ? warningVariable : criticalVariable;
      warnOnce(
        `${variable}:${warning}:${critical}`,
        `${variable} is invalid: the warning threshold must be below the critical one, got ${warning ?? defaultWarning} and ${critical ?? defaultCritical}; using the defaults, ${defaultWarning} and ${defaultCritical}`,
      );
      continue;
    }
    if (warning !== undefined) options[thresholdField(check, 'warning')] = warning;
    if (critical !== undefined) options[thresholdField(check, 'critical')] = critical;
  }
  return options;
}
