import { join } from 'node:path';
import { FIXTURES, PACKAGE_ROOT, startNode, type RunningChild } from './childProcess';

/**
 * The zero-code entry as users run it: the built package, resolved by name
 * from a workspace package that depends on it (examples/register), preloaded
 * into an application that has no telemetry code, configured by OTEL_* only.
 */
export const USER_PROJECT = join(PACKAGE_ROOT, '..', '..', 'examples', 'register');
export const LOADERS = [
  { flag: '--import', app: 'app.mjs', kind: 'ES module' },
  { flag: '--require', app: 'app.cjs', kind: 'CommonJS' },
] as const;
export type Loader = (typeof LOADERS)[number];

/** The app is killed if it is still running after `killAfterMillis`. */
export function startApp(loader: Loader, env: Record<string, string>, killAfterMillis = 60_000): RunningChild {
  return startNode(
    [join(FIXTURES, 'register', loader.app)],
    env,
    // A heap limit of our own, so the exported value is known to come from this process.
    ['--max-old-space-size=112', loader.flag, '@nodevitals/exporter-presets/register'],
    killAfterMillis,
    USER_PROJECT,
  );
}

