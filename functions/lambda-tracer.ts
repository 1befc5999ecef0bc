// The X-Ray tracer of the deployed functions. Kept out of observability.ts on purpose: this
// import loads the X-Ray SDK, which enables an async_hooks destroy hook for every promise in
// the process. Only the entries the construct generates for Lambda (infra/handler-entry.ts)
// import it; on Lambda, Powertools turns tracing on or off from the function's settings.
import { Tracer } from '@aws-lambda-powertools/tracer';
import { serviceNameFromEnv } from './observability.js';

/** The Powertools Tracer for a Lambda function, named by `serviceNameFromEnv()`. Off outside Lambda. */
export function lambdaTracer(): Tracer {
  return new Tracer({ serviceName: serviceNameFromEnv() });
}
