import { describe, expect, it } from 'vitest';
import {
  settingsFromEnv,
  streamEntitiesFromEnv,
  ttlRemovalsFromEnv,
} from '../../../functions/settings-from-env.js';

const required = {
  LETHE_STATE_TABLE: 'Stack-DeletionsStateTable2565322C-1ABCDEF2GHIJK',
  LETHE_WORK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Stack-WorkQueue-abc',
};

describe('Function: settingsFromEnv', () => {
  it('reads the variables the construct sets, with defaults for the rest', () => {
    // Act
    const config = settingsFromEnv({
      ...required,
      LETHE_SHARDS: '8',
      LETHE_PAGE_SIZE: '250',
      LETHE_INLINE_UNITS_PER_MESSAGE: '0',
      LETHE_ROWS_IN_SETTLE_MAX: '0',
      LETHE_HOLDS_MAX_AGE_MS: '0',
      LETHE_EVENT_BUS_NAME: 'default',
      LETHE_GRAPH_FINGERPRINT: '0123456789abcdef',
    });

    // Assess
    expect(config.settings).toMatchObject({
      stateTableName: required.LETHE_STATE_TABLE,
      shards: 8,
      pageSize: 250,
      objectPageSize: 1000,
      inlineUnitsPerMessage: 0,
      rowsInSettleMax: 0,
      holdsMaxAgeMs: 0,
    });
    expect(config.workQueueUrl).toBe(required.LETHE_WORK_QUEUE_URL);
    expect(config.eventBusName).toBe('default');
    expect(config.graphFingerprint).toBe('0123456789abcdef');
  });

  it('reads the restore window and bucket, with a window of 7 days by default', () => {
    const set = settingsFromEnv({
      ...required,
      LETHE_RESTORE_WINDOW_DAYS: '0',
      LETHE_RESTORE_BUCKET: 'lethe-restore-log',
    });
    const unset = settingsFromEnv(required);

    expect(set.settings.restoreWindowDays).toBe(0);
    expect(set.settings.restoreBucketName).toBe('lethe-restore-log');
    expect(unset.settings.restoreWindowDays).toBe(7);
    expect(unset.settings.restoreBucketName).toBeUndefined();
  });

  it('accepts a generated table name longer than 80 characters', () => {
    // Prepare
    const long = `${'VeryLongStackName'.repeat(6)}-DeletionsStateTable2565322C-1ABCDEF2GHIJK`;

    // Act
    const config = settingsFromEnv({ ...required, LETHE_STATE_TABLE: long });

    // Assess
    expect(config.settings.stateTableName).toBe(long);
  });

  it('throws naming every bad variable', () => {
    // Act
    const act = () =>
      settingsFromEnv({ LETHE_WORK_QUEUE_URL: 'queue', LETHE_SHARDS: 'four', LETHE_PAGE_SIZE: '' });

    // Assess
    expect(act).toThrow(
      /LETHE_STATE_TABLE: .*; LETHE_WORK_QUEUE_URL: expected an SQS queue URL; LETHE_SHARDS: expected a whole number/,
    );
  });

  it('reads the default deadline in days, fractions included; 30 days when unset', () => {
    // Act
    const set = settingsFromEnv({ ...required, LETHE_DEFAULT_DEADLINE_DAYS: '7.5' });
    const unset = settingsFromEnv(required);
    const bad = () => settingsFromEnv({ ...required, LETHE_DEFAULT_DEADLINE_DAYS: 'a month' });

    // Assess
    expect(set.settings.defaultDeadlineDays).toBe(7.5);
    expect(unset.settings.defaultDeadlineDays).toBe(30);
    expect(bad).toThrow(/LETHE_DEFAULT_DEADLINE_DAYS: expected a number/);
  });

  it('applies the settings bounds to the parsed numbers', () => {
    // Act
    const act = () => settingsFromEnv({ ...required, LETHE_SHARDS: '1000' });
    const tooMany = () => settingsFromEnv({ ...required, LETHE_ROWS_IN_SETTLE_MAX: '60' });

    // Assess
    expect(act).toThrow(/shards: Too big/);
    expect(tooMany).toThrow(/rowsInSettleMax: Too big/);
  });
});

describe('Function: streamEntitiesFromEnv', () => {
  it('splits the comma-separated list, and means "every entity" when unset or empty', () => {
    // Assess
    expect(streamEntitiesFromEnv({ LETHE_STREAM_ENTITIES: 'project, artifact,' })).toEqual([
      'project',
      'artifact',
    ]);
    expect(streamEntitiesFromEnv({ LETHE_STREAM_ENTITIES: '' })).toBeUndefined();
    expect(streamEntitiesFromEnv({})).toBeUndefined();
  });
});

describe('Function: ttlRemovalsFromEnv', () => {
  it('starts deletions from TTL removals unless told to ignore them, and refuses other values', () => {
    // Assess
    expect(ttlRemovalsFromEnv({})).toBe('start');
    expect(ttlRemovalsFromEnv({ LETHE_TTL_REMOVALS: 'start' })).toBe('start');
    expect(ttlRemovalsFromEnv({ LETHE_TTL_REMOVALS: 'ignore' })).toBe('ignore');
    expect(() => ttlRemovalsFromEnv({ LETHE_TTL_REMOVALS: 'no' })).toThrow(/LETHE_TTL_REMOVALS/);
  });
});
