import {
  defaultResource,
  detectResources,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { randomUUID } from 'node:crypto';
import { envKeyValueList, envString } from './environment.js';

/**
 * The resource of the zero-code entry: SDK defaults, host and process
 * attributes (the process detector also gives the runtime's identity as the
 * semantic conventions name it: `process.runtime.name`, `.version`,
 * `.description`), a `service.instance.id` of this process, then
 * `OTEL_RESOURCE_ATTRIBUTES`, then `OTEL_SERVICE_NAME` (which wins over a
 * `service.name` in the attributes, as the spec says).
 *
 * The instance id is what keeps the series of two replicas apart once they
 * meet in a Collector (its Prometheus exporter turns it into `instance`); a
 * fresh UUID per start also makes a restart visible. An id given in
 * `OTEL_RESOURCE_ATTRIBUTES` (a pod name, say) wins.
 */
export function environmentResource(): Resource {
  const attributes: Record<string, string> = {
    'service.instance.id': randomUUID(),
    ...envKeyValueList(['OTEL_RESOURCE_ATTRIBUTES'])?.value,
  };
  const serviceName = envString(['OTEL_SERVICE_NAME'])?.value;
  if (serviceName !== undefined) attributes['service.name'] = serviceName;
  return defaultResource()
    .merge(detectResources({ detectors: [hostDetector, processDetector] }))
    .merge(resourceFromAttributes(attributes));
}
