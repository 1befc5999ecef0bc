// The port through which lethe announces what happened (DeletionCompleted, DeletionStalled).

export interface LetheEvent {
  readonly detailType:
    | 'DeletionCompleted'
    | 'DeletionStalled'
    | 'DeletionRestored'
    | 'DeletionVerified'
    | 'DeletionDeadlineAtRisk';
  readonly detail: Record<string, unknown>;
}

export interface EventBus {
  publish(event: LetheEvent): Promise<void>;
}
