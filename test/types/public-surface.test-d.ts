// The public types are a contract: what `lethe`, `lethe/cdk` and `lethe/local` export, and
// the shapes a user writes against. Checked by `vitest --typecheck` (the `types` project).
import type { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  DeletionPipeline,
  DeletionPipelineProps,
  PipelinePropsError,
} from '../../infra/index.js';
import {
  type createEngine,
  type DeletionCompleted,
  type DeletionRequest,
  type DeletionStalled,
  type defineGraph,
  type Engine,
  type EntityDeletedEvent,
  type entityDeletedEventSchema,
  type Graph,
  type GraphDefinition,
  type GraphValidationError,
  type guardedPut,
  LetheError,
  type OnDelete,
  type TombstonedError,
} from '../../lib/index.js';
import type {
  LocalRuntime,
  LocalRuntimeOptions,
  LocalStack,
  startLocalRuntime,
  startLocalStack,
} from '../../local/index.js';

describe('Package: lethe', () => {
  it('defineGraph takes a definition and returns a Graph', () => {
    expectTypeOf<typeof defineGraph>().parameter(0).toExtend<GraphDefinition>();
    expectTypeOf<ReturnType<typeof defineGraph>>().toEqualTypeOf<Graph>();
    expectTypeOf<OnDelete>().toEqualTypeOf<'cascade' | 'set-null' | 'restrict' | 'none'>();
  });

  it('createEngine returns an Engine whose operations a writer and an operator call', () => {
    expectTypeOf<ReturnType<typeof createEngine>>().toEqualTypeOf<Engine>();
    expectTypeOf<Engine['requestDeletion']>().parameter(0).toEqualTypeOf<DeletionRequest>();
    expectTypeOf<Engine['guardedPut']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Parameters<typeof guardedPut>[0]>().toEqualTypeOf<Engine['context']>();
  });

  it('errors extend LetheError with a stable code and retryable', () => {
    expectTypeOf<TombstonedError>().toExtend<LetheError>();
    expectTypeOf<TombstonedError>().toHaveProperty('entity').toBeString();
    expectTypeOf<GraphValidationError['problems']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<LetheError['code']>().toBeString();
    expectTypeOf<LetheError['retryable']>().toBeBoolean();
    expectTypeOf(LetheError).toBeConstructibleWith('CODE', 'message');
  });

  it('event shapes are types and schemas that agree', () => {
    expectTypeOf<EntityDeletedEvent['detail-type']>().toEqualTypeOf<'EntityDeleted'>();
    expectTypeOf<EntityDeletedEvent['detail']['id']>().toEqualTypeOf<string | number>();
    expectTypeOf<
      ReturnType<(typeof entityDeletedEventSchema)['parse']>['detail']['id']
    >().toEqualTypeOf<string>();
    expectTypeOf<DeletionCompleted['outcome']>().toEqualTypeOf<'deleted' | 'blocked' | 'partial'>();
    expectTypeOf<DeletionCompleted['totals']['rowsDeleted']>().toBeNumber();
    expectTypeOf<DeletionStalled['idleSeconds']>().toBeNumber();
  });
});

describe('Package: lethe/cdk', () => {
  it('DeletionPipeline is a construct built from a scope, an id and props with a graph', () => {
    expectTypeOf<DeletionPipeline>().toExtend<Construct>();
    expectTypeOf<typeof DeletionPipeline>().toBeConstructibleWith(
      {} as Stack,
      'Deletions',
      {} as DeletionPipelineProps,
    );
    expectTypeOf<DeletionPipelineProps['graph']>().toEqualTypeOf<Graph>();
    expectTypeOf<DeletionPipelineProps['graphModule']>().toBeString();
    expectTypeOf<PipelinePropsError>().toExtend<LetheError>();
  });
});

describe('Package: lethe/local', () => {
  it('starts a stack, and a runtime on a graph that exposes the engine', () => {
    expectTypeOf<ReturnType<typeof startLocalStack>>().toEqualTypeOf<Promise<LocalStack>>();
    expectTypeOf<LocalStack['endpoints']>().toEqualTypeOf<{
      readonly dynamodb: string;
      readonly sqs: string;
      readonly s3: string;
    }>();
    expectTypeOf<LocalRuntimeOptions['graph']>().toEqualTypeOf<Graph>();
    expectTypeOf<ReturnType<typeof startLocalRuntime>>().toEqualTypeOf<Promise<LocalRuntime>>();
    expectTypeOf<LocalRuntime['engine']>().toEqualTypeOf<Engine>();
    expectTypeOf<LocalRuntime['stop']>().returns.toEqualTypeOf<Promise<void>>();
  });
});
