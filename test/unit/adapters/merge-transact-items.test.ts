import { describe, expect, it } from 'vitest';
import {
  mergeTransactItems,
  TransactionConflictError,
} from '../../../lib/adapters/merge-transact-items.js';
import type { TransactItem } from '../../../lib/ports/document-store.js';

const lookup = (id: string): TransactItem => ({
  kind: 'check',
  table: 'state',
  key: { pk: `DELETED#project#${id}`, sk: 'TOMBSTONE' },
  condition: { expression: 'attribute_not_exists(pk)' },
});

describe('Function: mergeTransactItems', () => {
  it('keeps one check when two checks name the same item, and maps both to it', () => {
    // Act
    const merged = mergeTransactItems([
      { kind: 'put', table: 'alerts', item: { alertId: 'a1', projectId: 'p1' } },
      lookup('p1'),
      lookup('p1'),
      lookup('p2'),
    ]);

    // Assess
    expect(merged.items).toHaveLength(3);
    expect(merged.origin).toEqual([0, 1, 1, 2]);
  });

  it('ANDs two different conditions on one item, renaming placeholders that clash', () => {
    // Act
    const merged = mergeTransactItems([
      {
        kind: 'check',
        table: 't',
        key: { id: 'x' },
        condition: { expression: '#s = :v', names: { '#s': 'status' }, values: { ':v': 'a' } },
      },
      {
        kind: 'check',
        table: 't',
        key: { id: 'x' },
        condition: { expression: '#s < :v', names: { '#s': 'size' }, values: { ':v': 3 } },
      },
    ]);

    // Assess
    expect(merged.items).toEqual([
      {
        kind: 'check',
        table: 't',
        key: { id: 'x' },
        condition: {
          expression: '(#s = :v) AND (#s_1 < :v_1)',
          names: { '#s': 'status', '#s_1': 'size' },
          values: { ':v': 'a', ':v_1': 3 },
        },
      },
    ]);
  });

  it('folds a check into the put of the same item, found by the check’s key', () => {
    // Act
    const merged = mergeTransactItems([
      {
        kind: 'put',
        table: 'state',
        item: { pk: 'JOB#j', sk: 'UNIT#u', status: 'planned' },
        condition: { expression: 'attribute_not_exists(pk)' },
      },
      {
        kind: 'check',
        table: 'state',
        key: { pk: 'JOB#j', sk: 'UNIT#u' },
        condition: { expression: 'attribute_not_exists(sk)' },
      },
    ]);

    // Assess
    expect(merged.origin).toEqual([0, 0]);
    expect(merged.items[0]).toMatchObject({
      kind: 'put',
      condition: { expression: '(attribute_not_exists(pk)) AND (attribute_not_exists(sk))' },
    });
  });

  it('makes two updates of one item one update: numbers added are summed, a later SET wins', () => {
    // Prepare
    const settle = (n: number, now: string): TransactItem => ({
      kind: 'update',
      table: 'state',
      key: { pk: 'JOB#j', sk: 'JOB' },
      update: {
        expression: 'ADD planned :planned, #failed :failed SET updatedAt = :now',
        names: { '#failed': 'failed' },
        values: { ':planned': n, ':failed': 0, ':now': now },
      },
    });

    // Act
    const merged = mergeTransactItems([settle(1, 't1'), settle(2, 't2')]);

    // Assess
    expect(merged.items).toEqual([
      {
        kind: 'update',
        table: 'state',
        key: { pk: 'JOB#j', sk: 'JOB' },
        update: {
          expression: 'SET updatedAt = :now_1 ADD planned :merged1, #failed :merged2',
          names: { '#failed': 'failed' },
          values: { ':now_1': 't2', ':merged1': 3, ':merged2': 0 },
        },
      },
    ]);
  });

  it('adds twice when the same ADD is asked twice', () => {
    // Prepare
    const addOne: TransactItem = {
      kind: 'update',
      table: 'state',
      key: { pk: 'JOB#j', sk: 'JOB' },
      update: { expression: 'ADD followUps :one', values: { ':one': 1 } },
    };

    // Act
    const merged = mergeTransactItems([addOne, addOne]);

    // Assess
    expect(merged.items).toEqual([
      { ...addOne, update: { expression: 'ADD followUps :merged1', values: { ':merged1': 2 } } },
    ]);
  });

  it('refuses two operations on one item that cannot be one, before anything is sent', () => {
    // Act
    const act = () =>
      mergeTransactItems([
        { kind: 'put', table: 'state', item: { pk: 'S', sk: 'X', a: 1 } },
        { kind: 'delete', table: 'state', key: { pk: 'S', sk: 'X' } },
      ]);

    // Assess
    expect(act).toThrow(TransactionConflictError);
    expect(act).toThrow(/a put and a delete of the same item/);
  });

  it('leaves items on different keys or tables alone', () => {
    // Prepare
    const items: TransactItem[] = [
      lookup('p1'),
      { ...lookup('p1'), table: 'other' },
      { kind: 'put', table: 'state', item: { pk: 'DELETED#project#p2', sk: 'OTHER' } },
    ];

    // Act
    const merged = mergeTransactItems(items);

    // Assess
    expect(merged.items).toEqual(items);
    expect(merged.origin).toEqual([0, 1, 2]);
  });
});
