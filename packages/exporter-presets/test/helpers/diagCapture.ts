import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { resetEnvironmentWarnings } from '../../src/internal/environment';

/** Collects diag messages so tests can assert what a user would see in their logs. */
export class DiagCapture {
  readonly messages: Array<{ level: 'error' | 'warn' | 'info' | 'debug' | 'verbose'; text: string }> = [];

  install(level = DiagLogLevel.WARN): this {
    resetEnvironmentWarnings();
    const record =
      (kind: DiagCapture['messages'][number]['level']) =>
      (message: string, ...args: unknown[]) =>
        this.messages.push({ level: kind, text: [message, ...args.map(String)].join(' ') });
    const logger: DiagLogger = {
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
      verbose: record('verbose'),
    };
    diag.setLogger(logger, { logLevel: level, suppressOverrideMessage: true });
    return this;
  }

  uninstall(): void {
    diag.disable();
  }

  warnings(): string[] {
    return this.messages.filter((m) => m.level === 'warn').map((m) => m.text);
  }
}
