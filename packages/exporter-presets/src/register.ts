/**
 * Zero-code entry for CommonJS: `node --require @nodevitals/exporter-presets/register app.js`
 * (`register.mts` is the one for `--import`). Configured only by the standard
 * OTEL_* variables. Everything past Node's built-ins is required inside the
 * try: a preload whose dependencies fail to load would otherwise take the
 * application down with it.
 */
import { isMainThread } from 'node:worker_threads';
import { reportLoadFailure } from './internal/reportLoadFailure.js';

// Workers inherit --require but start nothing (one set of readers per process):
// they must not pay for loading the SDK either, before their first line runs.
if (isMainThread) {
  try {
    const zeroCode = require('./internal/zeroCodeStart.js') as typeof import('./internal/zeroCodeStart.js');
    zeroCode.startFromEnvironment();
  } catch (error) {
    reportLoadFailure(error);
  }
}
