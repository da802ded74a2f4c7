import {
  defaultResource,
  detectResources,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { envKeyValueList, envString } from './environment.js';

/**
 * The resource of the zero-code entry: SDK defaults, host and process
 * attributes, then `OTEL_RESOURCE_ATTRIBUTES`, then `OTEL_SERVICE_NAME`
 * (which wins over a `service.name` in the attributes, as the spec says).
 */
export function environmentResource(): Resource {
  const attributes: Record<string, string> = {
    ...envKeyValueList(['OTEL_RESOURCE_ATTRIBUTES'])?.value,
  };
  const serviceName = envString(['OTEL_SERVICE_NAME'])?.value;
  if (serviceName !== undefined) attributes['service.name'] = serviceName;
  return defaultResource()
    .merge(detectResources({ detectors: [hostDetector, processDetector] }))
    .merge(resourceFromAttributes(attributes));
}
