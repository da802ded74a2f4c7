import { diag, DiagLogLevel } from '@opentelemetry/api';
import { join, resolve } from 'node:path';
import { startDiagnostics, DEFAULT_DIAGNOSTICS_OPTIONS } from '../../src/index';
import { resolveDiagnosticsOptions } from '../../src/diagnostics/DiagnosticsOptions';
import { nodeFlag } from '../../src/diagnostics/nodeFlags';

// A wrong diagnostics option throws at construction, naming the field and the
// value, before anything is armed or created.

describe('diagnostics options', () => {
  const WRONG: Array<[string, unknown, ErrorConstructor, RegExp]> = [
    ['maxCaptures', 0, RangeError, /^maxCaptures must be an integer from 1 to 1000, got 0$/],
    ['maxCaptures', 2.5, RangeError, /^maxCaptures must be an integer from 1 to 1000, got 2.5$/],
    ['maxCaptures', '5', TypeError, /^maxCaptures must be a number, got "5"$/],
    ['maxBytes', 1000, RangeError, /^maxBytes must be an integer from 1048576 to 1099511627776, got 1000$/],
    ['minIntervalSeconds', -1, RangeError, /^minIntervalSeconds must be an integer from 0 to 86400, got -1$/],
    ['cpuProfileSeconds', 0, RangeError, /^cpuProfileSeconds must be an integer from 1 to 300, got 0$/],
    ['cpuProfileSeconds', Number.NaN, TypeError, /^cpuProfileSeconds must be a number, got NaN$/],
    ['sustainedSeconds', 3601, RangeError, /^sustainedSeconds must be an integer from 0 to 3600, got 3601$/],
    ['captures', ['heap-dump'], RangeError, /^captures must hold only heap-snapshot, heap-profile, cpu-profile, got \["heap-dump"\]$/],
    ['captures', 'cpu-profile', TypeError, /^captures must be an array, got "cpu-profile"$/],
    ['directory', '', TypeError, /^directory must be a non-empty path, got ""$/],
    ['directory', 42, TypeError, /^directory must be a non-empty path, got 42$/],
    ['maxCaptures ', 1, TypeError, /^unknown diagnostics option maxCaptures ; known options: directory, captures, meterProvider, maxCaptures/],
  ];
  it.each(WRONG)('%s = %p throws', (field, value, ErrorClass, message) => {
    expect(() => startDiagnostics({ [field]: value } as never)).toThrow(ErrorClass);
    expect(() => startDiagnostics({ [field]: value } as never)).toThrow(message);
  });

  it('defaults: both near-limit heap snapshots and CPU profiles, 5 captures, 4 GiB, one per 10 minutes', () => {
    const resolved = resolveDiagnosticsOptions({});
    expect(resolved).toEqual({
      ...DEFAULT_DIAGNOSTICS_OPTIONS,
      directory: resolve('nodevitals-diagnostics'),
    });
    expect(resolved.captures).toEqual(['heap-snapshot', 'cpu-profile']);
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('a relative directory is resolved once, against the working directory at start', () => {
    expect(resolveDiagnosticsOptions({ directory: 'diag/here' }).directory).toBe(resolve('diag/here'));
  });

  it('--diagnostic-dir is read from the command line first, then NODE_OPTIONS (quoted values too)', () => {
    expect(nodeFlag('--diagnostic-dir', ['--diagnostic-dir=/a'], '--diagnostic-dir=/b')).toBe('/a');
    expect(nodeFlag('--diagnostic-dir', ['--diagnostic-dir', '/a'], undefined)).toBe('/a');
    expect(nodeFlag('--diagnostic-dir', [], '--max-old-space-size=64 --diagnostic-dir="/var/my diag"')).toBe('/var/my diag');
    expect(nodeFlag('--diagnostic-dir', ['--', '--diagnostic-dir=/x'], '')).toBeUndefined();
  });
});

describe('startDiagnostics never throws for what is not an option', () => {
  it('a directory that cannot be created: one warning naming it, an inert handle whose stop() is harmless twice', () => {
    const warnings: string[] = [];
    const ignore = () => undefined;
    diag.setLogger({ error: ignore, warn: (message) => warnings.push(message), info: ignore, debug: ignore, verbose: ignore }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    try {
      // A path under a regular file cannot be a directory.
      const blocked = join(__filename, 'captures');
      const handle = startDiagnostics({ directory: blocked });
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`^nodevitals diagnostics: not started: cannot create ${blocked}: `))]);
      expect(handle.directory).toBe(blocked);
      expect(handle.counts().armed['heap-snapshot']).toBe(false);
      handle.stop();
      handle.stop();
    } finally {
      diag.disable();
    }
  });
});
