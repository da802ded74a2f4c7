import { diag } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { translateOfficialOptions } from './internal/officialOptions.js';
import { describeValue, resolveOptions, type NodeRuntimeInstrumentationConfig, type ResolvedOptions } from './options.js';
import { RuntimeMetrics } from './RuntimeMetrics.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

const INSTRUMENTATION_FIELDS = ['enabled'];
const logger = diag.createComponentLogger({ namespace: PACKAGE_NAME });

/**
 * Node.js runtime metrics as an OpenTelemetry instrumentation: pass it to
 * `new NodeSDK({ instrumentations: [...] })` or `registerInstrumentations()`.
 * It follows `setMeterProvider()`, and `enable()`/`disable()` may be called
 * any number of times. The configuration of
 * `@opentelemetry/instrumentation-runtime-node` is accepted too.
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
    const input: unknown = config ?? {};
    const enabled = (input as { enabled?: unknown }).enabled;
    if (enabled !== undefined && typeof enabled !== 'boolean') {
      throw new TypeError(`enabled must be a boolean, got ${describeValue(enabled)}`);
    }
    const resolved = resolveOptions(translateOfficialOptions(input, logger), INSTRUMENTATION_FIELDS);
    super.setConfig(config as InstrumentationConfig);
    this.resolved = resolved;
    if (this.active) this.restart();
  }

  override enable(): void {
    if (this.active) return;
    this.active = true;
    // The base class keeps the state isEnabled() reports.
    super.enable();
    this.restart();
  }

  override disable(): void {
    if (!this.active) return;
    this.active = false;
    super.disable();
    this.runtimeMetrics?.stop();
    this.runtimeMetrics = undefined;
  }

  /** Ours, not only the base field: an older base class may keep its state elsewhere. */
  override isEnabled(): boolean {
    return this.active === true;
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
