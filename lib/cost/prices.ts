// Public AWS list prices (us-east-1) the cost model multiplies counted requests by. One file,
// so a price change is one edit with its source next to it. Free tiers are ignored on purpose:
// a deletion pipeline at scale is past them.

export interface PriceSource {
  readonly service: string;
  readonly url: string;
}

export interface Prices {
  readonly region: string;
  /** The day these were written down (see `note`). */
  readonly recordedOn: string;
  readonly note: string;
  readonly sources: readonly PriceSource[];
  readonly s3: {
    /** PUT, COPY, POST, LIST requests (S3 Standard), USD per 1,000. */
    readonly putCopyPostListPer1000: number;
    /** GET, SELECT and all other requests, USD per 1,000. */
    readonly getAndOtherPer1000: number;
    /** DELETE and CANCEL requests (DeleteObject, DeleteObjects) are free. */
    readonly deletePer1000: number;
  };
  readonly sqs: {
    /** Standard queue, USD per million requests; every 64 KB chunk of a payload is one request. */
    readonly standardPerMillionRequests: number;
    readonly billedChunkBytes: number;
  };
  readonly lambda: {
    readonly perMillionRequests: number;
    /** arm64, first pricing tier. */
    readonly perGbSecondArm64: number;
  };
  readonly dynamodb: {
    /** On-demand, USD per million write request units (1 WRU = one write of up to 1 KB). */
    readonly perMillionWriteRequestUnits: number;
    /** On-demand, USD per million read request units (1 RRU = one strongly consistent 4 KB read). */
    readonly perMillionReadRequestUnits: number;
  };
  readonly eventbridge: {
    /** Custom events published to an event bus, USD per million (64 KB chunks). */
    readonly perMillionCustomEvents: number;
  };
}

export const PRICES: Prices = {
  region: 'us-east-1',
  recordedOn: '2026-11-22',
  note:
    'List prices as documented on the AWS pricing pages below, us-east-1, without free tiers. ' +
    'They were transcribed from the published list prices (DynamoDB on-demand as cut in ' +
    'November 2024), not fetched from the pages on the day recorded: check the pages before ' +
    'quoting a number.',
  sources: [
    { service: 'Amazon S3', url: 'https://aws.amazon.com/s3/pricing/' },
    { service: 'Amazon SQS', url: 'https://aws.amazon.com/sqs/pricing/' },
    { service: 'AWS Lambda', url: 'https://aws.amazon.com/lambda/pricing/' },
    { service: 'Amazon DynamoDB', url: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
    { service: 'Amazon EventBridge', url: 'https://aws.amazon.com/eventbridge/pricing/' },
  ],
  s3: { putCopyPostListPer1000: 0.005, getAndOtherPer1000: 0.0004, deletePer1000: 0 },
  sqs: { standardPerMillionRequests: 0.4, billedChunkBytes: 64 * 1024 },
  lambda: { perMillionRequests: 0.2, perGbSecondArm64: 0.0000133334 },
  dynamodb: { perMillionWriteRequestUnits: 0.625, perMillionReadRequestUnits: 0.125 },
  eventbridge: { perMillionCustomEvents: 1.0 },
};
