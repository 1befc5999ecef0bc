import { describe, expect, it } from 'vitest';
import {
  encodeWorkMessage,
  type PrefixMessage,
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
