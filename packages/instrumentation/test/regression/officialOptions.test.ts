import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { METRICS } from '../../src/catalog';
import { NodeRuntimeInstrumentation, type NodeRuntimeInstrumentationConfig } from '../../src/index';
import { translateOfficialOptions } from '../../src/internal/officialOptions';
import { DiagCapture, TestReader } from '../helpers/collect';
import { trackTimers } from '../helpers/timers';

// Issue 9, item 14: isEnabled() was always false, and the options of
// @opentelemetry/instrumentation-runtime-node made our constructor throw, so
// the one-line migration the docs promise did not work.

// The official package, at the version bench/ pins (the one docs/migrate.md names).
const fromBench = createRequire(join(__dirname, '..', '..', '..', '..', 'bench', 'package.json'));
const OFFICIAL = '@opentelemetry/instrumentation-runtime-node';
const { RuntimeNodeInstrumentation } = fromBench(OFFICIAL) as {
  RuntimeNodeInstrumentation: new (config: object) => { disable(): void };
};

/** The optional fields of the official config interface, read from its published type declarations. */
function officialConfigFields(): string[] {
  const main = fromBench.resolve(OFFICIAL);
  const types = readFileSync(join(dirname(main), 'types.d.mts'), 'utf8');
  const body = types.match(/interface RuntimeNodeInstrumentationConfig[^{]*\{([\s\S]*?)\n\}/)![1];
  return [...body.matchAll(/^\s*(\w+)\?:/gm)].map((match) => match[1]);
}

describe('NodeRuntimeInstrumentation.isEnabled()', () => {
  it('follows the constructor, enable() and disable()', () => {
    const instrumentation = new NodeRuntimeInstrumentation();
    expect(instrumentation.isEnabled()).toBe(true);
    instrumentation.disable();
    expect(instrumentation.isEnabled()).toBe(false);
    instrumentation.enable();
    expect(instrumentation.isEnabled()).toBe(true);
    instrumentation.disable();
    const idle = new NodeRuntimeInstrumentation({ enabled: false });
    expect(idle.isEnabled()).toBe(false);
  });
});

describe('the configuration of @opentelemetry/instrumentation-runtime-node', () => {
  let diag: DiagCapture;
  beforeEach(() => (diag = new DiagCapture().install()));
  afterEach(() => diag.uninstall());

  it('every field of the official config is accepted (the same object works for both classes)', () => {
    const config: NodeRuntimeInstrumentationConfig = {
      enabled: false,
      monitoringPrecision: 20,
      captureUncaughtException: true,
      applyCustomExceptionAttributes: () => ({ 'app.tier': 'web' }),
    };
    // A field they add later and we do not know fails here.
    expect(officialConfigFields().sort()).toEqual(Object.keys(config).filter((field) => field !== 'enabled').sort());
    expect(() => new RuntimeNodeInstrumentation(config).disable()).not.toThrow();
    expect(() => new NodeRuntimeInstrumentation(config)).not.toThrow();
  });

  it('monitoringPrecision becomes eventLoopResolutionMillis, which arms no timer on Node (every line samples per iteration)', async () => {
    expect(translateOfficialOptions({ monitoringPrecision: 13 }, diag)).toEqual({ eventLoopResolutionMillis: 13 });
    const PRECISION = 13; // no other timer of this process has this period
    const timers = trackTimers(PRECISION);
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const instrumentation = new NodeRuntimeInstrumentation({ enabled: false, monitoringPrecision: PRECISION });
    instrumentation.setMeterProvider(provider);
    instrumentation.enable();
    // Runtime-node arms a 13 ms monitorEventLoopDelay timer here; nodevitals none.
    expect(timers.live()).toBe(0);
    expect((await reader.metrics()).has(METRICS.eventLoopUtilization.name)).toBe(true);
    instrumentation.disable();
    timers.stop();
    await provider.shutdown();
  });

  it('the ignored fields are said once, in one diag line, at warn when they ask for something', () => {
    new NodeRuntimeInstrumentation({ enabled: false, captureUncaughtException: true, applyCustomExceptionAttributes: () => ({}) });
    const lines = diag.messages.filter((entry) => /instrumentation-runtime-node/.test(entry.message));
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe('warn');
    expect(lines[0].message).toMatch(/captureUncaughtException, applyCustomExceptionAttributes .* ignored/);
  });

  it('captureUncaughtException: false asks for nothing: debug only', () => {
    new NodeRuntimeInstrumentation({ enabled: false, captureUncaughtException: false });
    expect(diag.messages.filter((entry) => entry.level === 'warn')).toHaveLength(0);
    expect(diag.matching(/captureUncaughtException .* ignored/)).toHaveLength(1);
  });

  const wrong: Array<[string, Record<string, unknown>, ErrorConstructor, RegExp]> = [
    ['monitoringPrecision of 0', { monitoringPrecision: 0 }, RangeError, /monitoringPrecision \(eventLoopResolutionMillis here\) must be an integer from 1 to 1000, got 0/],
    ['monitoringPrecision as a string', { monitoringPrecision: '10' }, TypeError, /monitoringPrecision must be a number, got "10"/],
    ['both resolutions, different', { monitoringPrecision: 10, eventLoopResolutionMillis: 20 }, TypeError, /give one of them, got monitoringPrecision 10 and eventLoopResolutionMillis 20/],
    ['captureUncaughtException not a boolean', { captureUncaughtException: 'yes' }, TypeError, /captureUncaughtException must be a boolean, got "yes"/],
    ['applyCustomExceptionAttributes not a function', { applyCustomExceptionAttributes: {} }, TypeError, /applyCustomExceptionAttributes must be a function, got \{\}/],
    ['enabled: "yes"', { enabled: 'yes' }, TypeError, /enabled must be a boolean, got "yes"/],
    ['enabled: 1', { enabled: 1 }, TypeError, /enabled must be a boolean, got 1/],
  ];
  it.each(wrong)('a wrong value still throws naming the field: %s', (_case, config, type, message) => {
    expect(() => new NodeRuntimeInstrumentation(config as NodeRuntimeInstrumentationConfig)).toThrow(type);
    expect(() => new NodeRuntimeInstrumentation(config as NodeRuntimeInstrumentationConfig)).toThrow(message);
  });
});
