// Names of the metrics lethe publishes, shared by the handlers that emit them and the
// construct whose alarms and dashboard read them. No dependencies: the construct imports it.

/** The CloudWatch namespace of every metric lethe publishes. */
export const METRICS_NAMESPACE = 'Lethe';

export const METRIC = {
  unitsDone: 'unitsDone',
  unitsFailed: 'unitsFailed',
  unitsDuplicate: 'unitsDuplicate',
  recordsRetried: 'recordsRetried',
  deletionsRequested: 'deletionsRequested',
  deletionsAlreadyRequested: 'deletionsAlreadyRequested',
  requestsRejected: 'requestsRejected',
  /** Seconds since the oldest tombstone not yet fully dispatched was written; the SLA alarm's metric. */
  oldestPendingTombstoneAgeSeconds: 'OldestPendingTombstoneAgeSeconds',
  rowsChecked: 'rowsChecked',
  /** Things verified jobs should have erased that are still present; the verification alarm's metric. */
  verificationFindings: 'VerificationFindings',
  jobsVerified: 'jobsVerified',
  /** Jobs the sweeper found past 80% of their deadline this run; the deadline alarm's metric. */
  deadlinesAtRisk: 'DeadlinesAtRisk',
} as const;
