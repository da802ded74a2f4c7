import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { resolveOptions, type NodeRuntimeInstrumentationConfig, type ResolvedOptions } from './options.js';
import { RuntimeMetrics } from './RuntimeMetrics.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

const INSTRUMENTATION_FIELDS = ['enabled'];

/**
 * Node.js runtime metrics as an OpenTelemetry instrumentation: pass it to
 * `new NodeSDK({ instrumentations: [...] })` or `registerInstrumentations()`.
 * It follows `setMeterProvider()`, and `enable()`/`disable()` may be called
 * any number of times.
 */
export class NodeRuntimeInstrumentation extends InstrumentationBase<NodeRuntimeInstrumentationConfig> {
  // `declare`: the base constructor calls setConfig(), enable() and
  // _updateMetricInstruments() before subclass field initializers would run.
  declare private runtimeMetrics: RuntimeMetrics | undefined;
  declare private resolved: ResolvedOptions | undefined;
  declare private active: boolean | undefined;

  constructor(config: NodeRuntimeInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  protected override init(): undefined {
    return undefined;
  }

  /** Validates first: a wrong option throws here, naming the field and value. */
  override setConfig(config: NodeRuntimeInstrumentationConfig = {}): void {
    const resolved = resolveOptions(config, INSTRUMENTATION_FIELDS);
    super.setConfig(config as InstrumentationConfig);
    this.resolved = resolved;
    if (this.active) this.restart();
  }

  override enable(): void {
    if (this.active) return;
    this.active = true;
    this.restart();
  }

  override disable(): void {
    if (!this.active) return;
    this.active = false;
    this.runtimeMetrics?.stop();
    this.runtimeMetrics = undefined;
  }

  /** Called by the base class whenever the meter changes (setMeterProvider). */
  protected override _updateMetricInstruments(): void {
    if (this.active) this.restart();
  }

  private restart(): void {
    this.runtimeMetrics?.stop();
    this.runtimeMetrics = new RuntimeMetrics(this.meter, this.resolved ?? resolveOptions(undefined));
    this.runtimeMetrics.start();
  }
}
