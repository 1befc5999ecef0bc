import { describe, expect, it } from 'vitest';
import {
  encodeWorkMessage,
  InvalidMessageError,
  type PrefixMessage,
  parseQueueMessage,
  parseWorkMessage,
} from '../../../lib/engine/work-message.js';

/** Printable ASCII: what any SQS (and fauxqs, which refuses characters beyond U+FFFF) accepts. */
const SQS_BODY = /^[\u0020-\u007e]*$/;

describe('Function: encodeWorkMessage', () => {
  it('writes a prefix message whose key holds any character as a body SQS accepts', () => {
    // Prepare
    const after = 'projects/p1/\u0000\u0010\r\n\uFFFE\uFFFF😀&<+ %2B';
    const message: PrefixMessage = {
      v: 1,
      type: 'prefix',
      jobId: 'j1',
      entity: 'project',
      id: 'p1',
      part: 0,
      page: 1,
      after,
    };

    // Act
    const body = encodeWorkMessage(message);

    // Assess
    expect(body).toMatch(SQS_BODY);
    expect(parseWorkMessage(body)).toEqual(message);
  });
});

describe('Function: parseQueueMessage', () => {
  it('reads a restore unit: the lift, or a step with the log entry it restores', () => {
    const lift = { v: 1, jobId: 'j-1', type: 'restore', step: 'lift' };
    const entry = { v: 1, jobId: 'j-1', type: 'restore', step: 2, entry: 'UNIT#rows|r|0|p1' };

    expect(parseQueueMessage(JSON.stringify(lift))).toEqual(lift);
    expect(parseQueueMessage(JSON.stringify(entry))).toEqual(entry);
  });

  it('rejects a restore message with an unknown field, a negative step or a step by name', () => {
    const bad = [
      { v: 1, jobId: 'j-1', type: 'restore', step: 0, bucket: 'b' },
      { v: 1, jobId: 'j-1', type: 'restore', step: -1 },
      { v: 1, jobId: 'j-1', type: 'restore', step: 'rows' },
    ];

    for (const message of bad) {
      expect(() => parseQueueMessage(JSON.stringify(message))).toThrow(InvalidMessageError);
    }
  });

  it('is not a deletion unit: parseWorkMessage refuses it', () => {
    const lift = { v: 1, jobId: 'j-1', type: 'restore', step: 'lift' };

    expect(() => parseWorkMessage(JSON.stringify(lift))).toThrow(InvalidMessageError);
  });
});
