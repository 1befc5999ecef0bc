// What each entry point of the package exports at run time. The list is the public surface:
// adding to it is a decision, so a new export fails here until it is listed on purpose.
import { describe, expect, it } from 'vitest';
import * as cdk from '../../../infra/index.js';
import * as lethe from '../../../lib/index.js';
import * as local from '../../../local/index.js';

describe('Package: public surface', () => {
  it('lethe exports the graph, the engine, guardedPut, the restore helpers, the errors and the event schemas', () => {
    expect(Object.keys(lethe).sort()).toEqual([
      'ConditionFailedError',
      'DELETION_COMPLETED',
      'DELETION_STALLED',
      'DELETION_VERIFIED',
      'ENTITY_DELETED',
      'GraphValidationError',
      'InvalidHoldError',
      'InvalidRequestError',
      'LetheError',
      'LocalStackError',
      'PipelineSwitchError',
      'REQUEST_VERSION',
      'RestoreRefusedError',
      'TombstonedError',
      'TransactionCancelledError',
      'UnsafeKeyValueError',
      'awaitRestore',
      'createAwsClients',
      'createEngine',
      'defineGraph',
      'deletionCompletedDetailSchema',
      'deletionStalledDetailSchema',
      'deletionVerifiedDetailSchema',
      'destroyAwsClients',
      'entityDeletedDetailSchema',
      'entityDeletedEventSchema',
      'guardedPut',
      'renderMermaid',
      'resolveSettings',
      'runRestoreInProcess',
    ]);
  });

  it('lethe/cdk exports the construct, its props error and the metric names', () => {
    expect(Object.keys(cdk).sort()).toEqual([
      'DeletionPipeline',
      'METRIC',
      'METRICS_NAMESPACE',
      'PipelinePropsError',
      'graphAccess',
    ]);
  });

  it('lethe/local exports the stack, the runtime, provisioning and the in-memory bus', () => {
    expect(Object.keys(local).sort()).toEqual([
      'LocalStackError',
      'createInMemoryEventBus',
      'provisionLocal',
      'startLocalRuntime',
      'startLocalStack',
    ]);
  });

  it('the EntityDeleted schema reads the event a producer sends, numeric ids as strings', () => {
    const parsed = lethe.entityDeletedEventSchema.parse({
      id: 'e-1',
      source: 'com.example.users',
      'detail-type': 'EntityDeleted',
      detail: { entity: 'user', id: 42, requestId: 'r-1' },
    });

    expect(parsed.detail).toEqual({ entity: 'user', id: '42', requestId: 'r-1' });
  });

  it('the EntityDeleted schema refuses an id with a control character and another detail-type', () => {
    const base = { id: 'e-1', source: 's', detail: { entity: 'user', id: 'u1' } };

    expect(
      lethe.entityDeletedEventSchema.safeParse({
        ...base,
        'detail-type': 'EntityDeleted',
        detail: { entity: 'user', id: 'u\u0000' },
      }).success,
    ).toBe(false);
    expect(
      lethe.entityDeletedEventSchema.safeParse({ ...base, 'detail-type': 'EntityCreated' }).success,
    ).toBe(false);
  });
});
