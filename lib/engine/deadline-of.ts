// The deadline a new job gets: its entity's `deadlineDays` (or the pipeline default), or a
// shorter one the request asks for. A request for a longer one is refused, not trimmed: a
// caller who asked for more time than the graph grants must hear that it was not granted.
import type { Entity } from '../graph/graph-types.js';
import type { Settings } from '../settings.js';
import { InvalidRequestError } from './request-deletion.js';

/**
 * Days a deletion of `entity` may take: `requestedDays` (> 0) when given, which may only
 * shorten the entity's `deadlineDays` (else the pipeline's `defaultDeadlineDays`). A longer one
 * throws `InvalidRequestError` (`INVALID_REQUEST`). The job's `deadlineAt` is its `createdAt`
 * plus these days (`newJobItem`).
 */
export function deadlineDaysOf(
  entity: Entity,
  settings: Pick<Settings, 'defaultDeadlineDays'>,
  requestedDays?: number,
): number {
  const granted = entity.deadlineDays ?? settings.defaultDeadlineDays;
  if (requestedDays !== undefined && requestedDays > granted) {
    throw new InvalidRequestError(
      `deadlineDays ${requestedDays} is longer than the ${granted} days a deletion of ${entity.name} may take: a request may only shorten its deadline`,
    );
  }
  return requestedDays ?? granted;
}
