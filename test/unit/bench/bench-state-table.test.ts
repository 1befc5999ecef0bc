import { describe, expect, it } from 'vitest';
import { benchStateTablePlan } from '../../../bench/bench-state-table.js';
import { resolveSettings } from '../../../lib/settings.js';
import { stateTablePlan } from '../../../local/local-resource-plan.js';

describe('Function: benchStateTablePlan', () => {
  it('is the deployed state table less its stream, which DynamoDB Local slows down with', () => {
    const settings = resolveSettings({ stateTableName: 'bench-state' });

    const plan = benchStateTablePlan(settings);

    expect(plan.stream).toBe(false);
    expect({ ...plan, stream: true }).toEqual(stateTablePlan(settings));
  });
});
