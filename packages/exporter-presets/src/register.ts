/**
 * Zero-code entry for CommonJS: `node --require @nodevitals/exporter-presets/register app.js`
 * (`register.mts` is the one for `--import`). Configured only by the standard
 * OTEL_* variables. Everything past Node's built-ins is required inside the
 * try: a preload whose dependencies fail to load would otherwise take the
 * application down with it.
 */
import { reportLoadFailure } from './internal/reportLoadFailure.js';

try {
  const zeroCode = require('./internal/zeroCodeStart.js') as typeof import('./internal/zeroCodeStart.js');
  zeroCode.startFromEnvironment();
} catch (error) {
  reportLoadFailure(error);
}
