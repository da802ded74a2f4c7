/**
 * Zero-code entry: `node --import @nodevitals/exporter-presets/register app.js`
 * (ES modules) or `node --require @nodevitals/exporter-presets/register app.js`
 * (CommonJS). Configured only by the standard OTEL_* variables.
 */
import { startFromEnvironment } from './internal/zeroCodeStart.js';

startFromEnvironment();
