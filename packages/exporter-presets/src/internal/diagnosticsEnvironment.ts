import {
  CAPTURE_KINDS,
  DEFAULT_DIAGNOSTICS_OPTIONS,
  DIAGNOSTICS_RANGES,
  type CaptureKind,
  type DiagnosticsOptions,
} from '@nodevitals/instrumentation';
import { envInteger, envString, readEnv } from './environment.js';

/**
 * Diagnostics on threshold for the zero-code entry, from `NODEVITALS_DIAGNOSTICS_*`
 * variables: off unless `NODEVITALS_DIAGNOSTICS` names the captures to arm.
 * A wrong value warns once, naming the variable, and its default is used (for
 * `NODEVITALS_DIAGNOSTICS` itself, the default is off).
 */
export const DIAGNOSTICS_VARIABLES = Object.freeze({
  captures: 'NODEVITALS_DIAGNOSTICS',
  directory: 'NODEVITALS_DIAGNOSTICS_DIR',
  maxCaptures: 'NODEVITALS_DIAGNOSTICS_MAX_CAPTURES',
  maxBytes: 'NODEVITALS_DIAGNOSTICS_MAX_BYTES',
  minIntervalSeconds: 'NODEVITALS_DIAGNOSTICS_MIN_INTERVAL_SECONDS',
  cpuProfileSeconds: 'NODEVITALS_DIAGNOSTICS_CPU_PROFILE_SECONDS',
  sustainedSeconds: 'NODEVITALS_DIAGNOSTICS_SUSTAINED_SECONDS',
} as const);

/** `heap-snapshot,cpu-profile` (any case, spaces allowed), or `none`. */
function parseCaptures(raw: string): CaptureKind[] | undefined {
  const names = raw
    .toLowerCase()
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'none') return [];
  if (names.length === 0 || names.some((name) => !CAPTURE_KINDS.includes(name as CaptureKind))) return undefined;
  return [...new Set(names as CaptureKind[])];
}

/** The diagnostics options the variables ask for, or undefined when diagnostics are off. */
export function diagnosticsOptionsFromEnvironment(): DiagnosticsOptions | undefined {
  const captures = readEnv(
    [DIAGNOSTICS_VARIABLES.captures],
    parseCaptures,
    `none, or a comma list of ${CAPTURE_KINDS.join(', ')}`,
    'none (diagnostics off)',
  )?.value;
  if (captures === undefined || captures.length === 0) return undefined;
  const options: DiagnosticsOptions = { captures };
  const directory = envString([DIAGNOSTICS_VARIABLES.directory])?.value;
  if (directory !== undefined) options.directory = directory;
  for (const field of Object.keys(DIAGNOSTICS_RANGES) as Array<keyof typeof DIAGNOSTICS_RANGES>) {
    const [min, max] = DIAGNOSTICS_RANGES[field];
    const value = envInteger([DIAGNOSTICS_VARIABLES[field]], min, max, DEFAULT_DIAGNOSTICS_OPTIONS[field])?.value;
    if (value !== undefined) options[field] = value;
  }
  return options;
}
