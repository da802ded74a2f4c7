/**
 * Zero-code entry for ES modules: `node --import @nodevitals/exporter-presets/register app.js`
 * (`register.ts` is the one for `--require`). Configured only by the standard
 * OTEL_* variables. Everything past Node's built-ins is imported inside the
 * try, and awaited so runtime metrics start before the application: a preload
 * whose dependencies fail to load would otherwise take the application down
 * with it.
 */
import { reportLoadFailure } from './internal/reportLoadFailure.js';

try {
  const zeroCode = await import('./internal/zeroCodeStart.js');
  zeroCode.startFromEnvironment();
} catch (error) {
  reportLoadFailure(error);
}
