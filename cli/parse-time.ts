// Times given on the command line: ISO-8601 dates or date-times (`2026-11-01`,
// `2026-11-01T12:00:00Z`). Anything Date.parse reads differently by locale is refused.
import { CliUsageError } from './cli-error.js';

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Parses an ISO-8601 date (midnight UTC) or date-time with a zone; throws CliUsageError naming the flag. */
export function parseTime(flag: string, value: string): Date {
  const time = ISO.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time))
    throw new CliUsageError(
      `${flag} must be an ISO-8601 date or date-time with a zone (2026-11-01, 2026-11-01T12:00:00Z), got "${value}"`,
    );
  return new Date(time);
}
