// Real SDK clients pointed at the stack booted by global-setup, and unique names per test
// so tests stay independent while sharing one stack.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type AwsClients, createAwsClients } from '../../../lib/adapters/aws-clients.js';

export function localClients(): AwsClients {
  const { endpoints, region } = inject('localStack');
  return createAwsClients({
    region,
    endpoints: { dynamodb: endpoints.dynamodb, sqs: endpoints.sqs, s3: endpoints.s3 },
  });
}

export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(3).toString('hex')}`;
}
