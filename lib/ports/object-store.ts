// The port through which the engine lists, reads and deletes S3 objects.

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

export interface ListedPage {
  readonly keys: string[];
  readonly nextToken: string | undefined;
}

export interface KeyFailure {
  readonly key: string;
  readonly code: string;
  readonly message: string;
}

export interface DeleteKeysResult {
  readonly deleted: string[];
  /** Keys that could not be deleted for a permanent reason (after retrying the passing ones). */
  readonly failed: KeyFailure[];
}

export interface ObjectStore {
  listPage(bucket: string, prefix: string, token?: string, maxKeys?: number): Promise<ListedPage>;
  /**
   * The object's body as text, or undefined when it does not exist. Throws a retryable
   * LetheError (`OBJECT_STORE_BUSY`) when the store is busy for now: throttled, 5xx, no answer.
   */
  getText(bucket: string, key: string): Promise<string | undefined>;
  exists(bucket: string, key: string): Promise<boolean>;
  /** DeleteObjects, 1,000 keys a call, several calls in flight, passing errors retried. */
  deleteKeys(bucket: string, keys: readonly string[]): Promise<DeleteKeysResult>;
}
