/**
 * Zero-code entry for ES modules: `node --import @nodevitals/exporter-presets/register app.js`
 * (`register.ts` is the one for `--require`). Configured only by the standard
 * OTEL_* variables. Everything past Node's built-ins is imported inside the
 * try, and awaited so runtime metrics start before the application: a preload
 * whose dependencies fail to load would otherwise take the application down
 * with it.
 */
import { isMainThread } from 'node:worker_threads';
import { reportLoadFailure } from './internal/reportLoadFailure.js';

// Workers inherit --import but start nothing (one set of readers per process):
// they must not pay for loading the SDK either, before their first line runs.
if (isMainThread) {
  try {
    const zeroCode = await import('./internal/zeroCodeStart.js');
    zeroCode.startFromEnvironment();
  } catch (error) {
    reportLoadFailure(error);
  }
}
