/**
 * The line the health monitor prints on a transition (docs/health.md): a
 * feature, on by default at warn level, which a loaded machine's slow loop or
 * long GC pauses can trigger in any test app. A test counting the library's
 * own lines about something else leaves these out, and only these.
 */
const HEALTH_TRANSITION = /^@nodevitals\/instrumentation health: \w+ (is (warning|critical)|eased from critical to \w+|recovered from \w+): /;

export function isHealthTransition(line: string): boolean {
  return HEALTH_TRANSITION.test(line);
}

/** The non-empty lines of `text` that are not health transitions. */
export function linesOtherThanHealth(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '' && !isHealthTransition(line));
}
