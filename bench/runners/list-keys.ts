// The listing loop every SDK object runner shares: ListObjectsV2 pages of up to 1,000 keys,
// handed over one page at a time so the caller can delete while the next page is listed.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lib/adapters/aws-clients.js';

export async function* listKeyPages(
  clients: AwsClients,
  bucket: string,
  prefix: string,
): AsyncGenerator<string[]> {
  let token: string | undefined;
  do {
    const page = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: 1000,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (keys.length > 0) yield keys;
  } while (token);
}
