// The port through which the engine lists, reads and deletes S3 objects.

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

export interface ListedPage {
  readonly keys: string[];
  readonly nextToken: string | undefined;
}

/** One page of keys listed after a key (S3 `StartAfter`), in S3's order. */
export interface PageAfter {
  readonly keys: string[];
  /** More keys follow under the prefix. */
  readonly truncated: boolean;
}

export interface KeyFailure {
  readonly key: string;
  readonly code: string;
  readonly message: string;
}

/** One version of one key (a versioned bucket's object version or delete marker). */
export interface ObjectVersion {
  readonly key: string;
  readonly versionId: string;
}

export interface DeleteKeysResult {
  readonly deleted: string[];
  /** Keys that could not be deleted for a permanent reason (after retrying the passing ones). */
  readonly failed: KeyFailure[];
  /**
   * Delete markers the deletes created, as S3 answered them: only a versioned bucket creates
   * them, so an empty list means the bytes are gone for good.
   */
  readonly markers?: ObjectVersion[] | undefined;
}

export interface ObjectStore {
  listPage(bucket: string, prefix: string, token?: string, maxKeys?: number): Promise<ListedPage>;
  /** Keys under `prefix` that sort after `after` (from the start when undefined). */
  listAfter(
    bucket: string,
    prefix: string,
    after: string | undefined,
    maxKeys?: number,
  ): Promise<PageAfter>;
  /**
   * The object's body as text, or undefined when it does not exist. Throws a retryable
   * LetheError (`OBJECT_STORE_BUSY`) when the store is busy for now: throttled, 5xx, no answer.
   */
  getText(bucket: string, key: string): Promise<string | undefined>;
  /** HeadObject: whether the object exists (needs read access to it). */
  exists(bucket: string, key: string): Promise<boolean>;
  /**
   * Which of `keys` exist now, found by listing, so it needs only s3:ListBucket on the keys'
   * area, never read access to their content: keys of one folder by listing from the first of
   * them through the last (a page budget of ⌈n / 1,000⌉ + 1), the rest one LIST a key. Lets a
   * deletion count only keys that existed: DeleteObjects answers "Deleted" for a missing key.
   */
  existing(bucket: string, keys: readonly string[]): Promise<Set<string>>;
  /**
   * DeleteObjects, 1,000 keys a call, several calls in flight, passing errors retried; a key
   * an XML body cannot carry is deleted alone (DeleteObject). `deleted` lists the keys whose
   * delete succeeded — whether they existed is not known (S3 answers the same either way).
   */
  deleteKeys(bucket: string, keys: readonly string[]): Promise<DeleteKeysResult>;
  /**
   * DeleteObjects naming exact versions (1,000 a call): deleting a delete marker makes the
   * version under it current again. `deleted` lists the keys whose version went.
   */
  deleteVersions(bucket: string, versions: readonly ObjectVersion[]): Promise<DeleteKeysResult>;
  /** PutObject of raw bytes (restore-log pages too large for a state item). */
  putBytes(bucket: string, key: string, body: Uint8Array): Promise<void>;
  /** GetObject as raw bytes, or undefined when the object does not exist. */
  getBytes(bucket: string, key: string): Promise<Uint8Array | undefined>;
}

/** S3's key order: the bytes of the UTF-8 keys (ListObjectsV2 lists in this order). */
export function compareObjectKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
