// The restore window's other half for objects: a versioned bucket keeps a deleted object as
// a noncurrent version, and only a lifecycle rule removes it. For each bucket the graph
// declares `versioned`, the construct adds a noncurrent-version expiration as long as the
// longest restore window when it owns the bucket (an `s3.Bucket` passed in `buckets`), and
// otherwise warns at synth that the rule must be checked by hand: an imported bucket's rules
// cannot be read or changed from the template.
import { Annotations, Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Graph } from '../lib/graph/graph-types.js';

/** The longest window any entity keeps (the pipeline's, or an entity's own), in days. */
export function longestRestoreWindow(graph: Graph, pipelineDays: number): number {
  return Math.max(
    pipelineDays,
    ...Object.values(graph.entities).map((e) => e.restoreWindowDays ?? pipelineDays),
  );
}

/**
 * Adds (owned buckets) or asks for (imported buckets, as a synth warning) a noncurrent-version
 * expiration no shorter than the longest restore window, for every versioned bucket. Returns
 * the logical names of buckets it could only warn about.
 */
export function applyVersionedBucketRules(
  scope: Construct,
  graph: Graph,
  buckets: Readonly<Record<string, s3.IBucket>>,
  pipelineDays: number,
): string[] {
  const days = Math.max(1, longestRestoreWindow(graph, pipelineDays));
  const unchecked: string[] = [];
  for (const [key, declared] of Object.entries(graph.buckets)) {
    if (declared.versioned !== true) continue;
    const bucket = buckets[key];
    if (bucket instanceof s3.Bucket) {
      bucket.addLifecycleRule({
        id: 'lethe-restore-window',
        noncurrentVersionExpiration: Duration.days(days),
      });
      continue;
    }
    unchecked.push(key);
    Annotations.of(scope).addWarningV2(
      `lethe:versioned-bucket-${key}`,
      `bucket "${declared.name}" is declared versioned but not owned by this stack: give it a noncurrent-version expiration of at least ${days} days (the restore window), or deleted objects are kept forever`,
    );
  }
  return unchecked;
}
