/**
 * The zero-code entry's only message when its own code cannot load (a broken
 * or incompatible install: a dependency missing, one that throws, a named
 * export that is not there). One line on stderr, the reason's first line,
 * bounded; then the application runs on without runtime metrics. Node
 * built-ins only: this must load when nothing else does.
 */
export function reportLoadFailure(error: unknown): void {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 300);
  process.stderr.write(`@nodevitals/exporter-presets/register: runtime metrics not started, the package could not load: ${reason}\n`);
}
