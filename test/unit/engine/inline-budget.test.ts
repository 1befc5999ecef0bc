import { describe, expect, it } from 'vitest';
import {
  type InlineBudget,
  MAX_INLINE_FAN_OUT,
  takeInline,
} from '../../../lib/engine/inline-budget.js';
import { encodeWorkMessage, unitIdOf, type WorkMessage } from '../../../lib/engine/work-message.js';
import type { PlannedUnit } from '../../../lib/model/units.js';

const JOB = 'job-1';

function planned(message: WorkMessage): PlannedUnit {
  return { unitId: unitIdOf(message), message, body: encodeWorkMessage(message), scope: 'JOB' };
}

const rows = (relation: string) =>
  planned({ v: 1, jobId: JOB, type: 'rows', relation, parentId: 'u-1', page: 0 });
const finalize = planned({ v: 1, jobId: JOB, type: 'finalize', entity: 'user', id: 'u-1' });
const cascade = planned({ v: 1, jobId: JOB, type: 'cascade', entity: 'post', id: 'p-1' });

describe('Function: takeInline', () => {
  it('runs the rows, finalize and prefix units of one commit inline and spends the budget', () => {
    // Prepare
    const budget: InlineBudget = { remaining: 8 };

    // Act
    const taken = takeInline([rows('a'), rows('b')], budget, 0);

    // Assess
    expect(taken.inline.map((u) => u.message.type)).toEqual(['rows', 'rows']);
    expect(taken.send).toEqual([]);
    expect(budget.remaining).toBe(6);
  });

  it('sends a commit that plans a cascade: its dispatch is what the watermark counts', () => {
    const budget: InlineBudget = { remaining: 8 };
    const taken = takeInline([finalize, cascade], budget, 0);
    expect(taken).toEqual({ inline: [], send: [finalize, cascade] });
    expect(budget.remaining).toBe(8);
  });

  it(`sends a fan-out of more than ${MAX_INLINE_FAN_OUT} units, to spread it over the workers`, () => {
    const units = Array.from({ length: MAX_INLINE_FAN_OUT + 1 }, (_, i) => rows(`r${i}`));
    expect(takeInline(units, { remaining: 50 }, 0).inline).toEqual([]);
    expect(takeInline(units.slice(1), { remaining: 50 }, 0).send).toEqual([]);
  });

  it('sends when the budget is spent, its time is up, or there is none (inlineUnitsPerMessage 0)', () => {
    expect(takeInline([rows('a'), rows('b')], { remaining: 1 }, 0).inline).toEqual([]);
    expect(takeInline([finalize], { remaining: 8, untilMs: 1000 }, 1000).inline).toEqual([]);
    expect(takeInline([finalize], { remaining: 8, untilMs: 1000 }, 999).inline).toEqual([finalize]);
    expect(takeInline([finalize], { remaining: 0 }, 0).inline).toEqual([]);
    expect(takeInline([finalize], undefined, 0)).toEqual({ inline: [], send: [finalize] });
  });
});
