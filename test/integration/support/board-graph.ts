// A second graph, unlike the example's, for the engine's invariants (issue 22): workspace →
// board → card by cascade; a card's attachments live under a prefix that needs the card's
// `workspaceId` (so it cannot be rendered from the id alone), its comments cascade and its
// mentions are nulled; a board owns an export manifest listing blobs only it references.
import { createBulkWriter } from '../../../lib/adapters/bulk-writer.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { GuardsDefinition } from '../../../lib/graph/graph-types.js';
import type { PipelineHarness } from './pipeline-harness.js';

export interface BoardGraphOptions {
  /** Guards on cards (e.g. an archive copy of their attachments). */
  readonly cardGuards?: GuardsDefinition;
  /** Without comments and mentions, cards are leaves: erased page by page by the board's job. */
  readonly leafCards?: boolean;
}

export function boardGraph(options: BoardGraphOptions = {}) {
  return (prefix: string) =>
    defineGraph({
      tables: {
        workspaces: { name: `${prefix}-workspaces`, partitionKey: 'workspaceId' },
        boards: {
          name: `${prefix}-boards`,
          partitionKey: 'boardId',
          indexes: { byWorkspace: { partitionKey: 'workspaceId' } },
        },
        cards: {
          name: `${prefix}-cards`,
          partitionKey: 'cardId',
          indexes: { byBoard: { partitionKey: 'boardId' } },
        },
        comments: {
          name: `${prefix}-comments`,
          partitionKey: 'commentId',
          indexes: { byCard: { partitionKey: 'cardId' } },
        },
        mentions: {
          name: `${prefix}-mentions`,
          partitionKey: 'mentionId',
          indexes: { byCard: { partitionKey: 'cardId' } },
        },
      },
      buckets: {
        files: { name: `${prefix}-files` },
        exports: { name: `${prefix}-exports` },
        archive: { name: `${prefix}-archive` },
      },
      entities: {
        workspace: { table: 'workspaces' },
        board: {
          table: 'boards',
          parents: [
            {
              entity: 'workspace',
              attribute: 'workspaceId',
              index: 'byWorkspace',
              onDelete: 'cascade',
            },
          ],
          objects: [
            {
              kind: 'manifest',
              bucket: 'exports',
              template: 'exports/{boardId}.json',
              keysPath: 'blobs',
              itemBucket: 'files',
              itemTemplate: 'blobs/{value}',
            },
          ],
        },
        card: {
          table: 'cards',
          attributes: ['workspaceId'],
          parents: [
            { entity: 'board', attribute: 'boardId', index: 'byBoard', onDelete: 'cascade' },
          ],
          objects: [
            {
              kind: 'prefix',
              bucket: 'files',
              template: 'workspaces/{workspaceId}/cards/{cardId}/',
            },
          ],
          ...(options.cardGuards ? { guards: options.cardGuards } : {}),
        },
        ...(options.leafCards
          ? {}
          : {
              comment: {
                table: 'comments',
                parents: [
                  { entity: 'card', attribute: 'cardId', index: 'byCard', onDelete: 'cascade' },
                ],
              },
              mention: {
                table: 'mentions',
                parents: [
                  { entity: 'card', attribute: 'cardId', index: 'byCard', onDelete: 'set-null' },
                ],
              },
            }),
      },
    });
}

export interface BoardSeed {
  readonly cards: number;
  readonly attachmentsPerCard: number;
  readonly commentsPerCard: number;
  readonly mentionsPerCard: number;
  readonly blobs: number;
}

export const SMALL_BOARD: BoardSeed = {
  cards: 2,
  attachmentsPerCard: 3,
  commentsPerCard: 2,
  mentionsPerCard: 1,
  blobs: 2,
};

/** What seeding workspace w1 / board b1 / cards c1… wrote: names, and what a deletion removes. */
export interface SeededBoard {
  readonly tables: Record<'workspaces' | 'boards' | 'cards' | 'comments' | 'mentions', string>;
  readonly buckets: Record<'files' | 'exports' | 'archive', string>;
  readonly cardIds: string[];
  readonly attachments: Record<string, string[]>;
  readonly exportKey: string;
  readonly blobKeys: string[];
  readonly mentionIds: string[];
}

function nameOf(record: Record<string, { name: string } | undefined>, key: string): string {
  const found = record[key];
  if (!found) throw new Error(`the board graph has no "${key}"`);
  return found.name;
}

/** Seeds workspace w1 with board b1 and its cards, comments, mentions, attachments and export. */
export async function seedBoard(
  pipeline: PipelineHarness,
  seed: BoardSeed = SMALL_BOARD,
): Promise<SeededBoard> {
  const { graph } = pipeline;
  const tables = {
    workspaces: nameOf(graph.tables, 'workspaces'),
    boards: nameOf(graph.tables, 'boards'),
    cards: nameOf(graph.tables, 'cards'),
    comments: nameOf(graph.tables, 'comments'),
    mentions: nameOf(graph.tables, 'mentions'),
  };
  const buckets = {
    files: nameOf(graph.buckets, 'files'),
    exports: nameOf(graph.buckets, 'exports'),
    archive: nameOf(graph.buckets, 'archive'),
  };
  const writer = createBulkWriter(pipeline.clients);
  const cardIds = Array.from({ length: seed.cards }, (_, i) => `c${i + 1}`);
  const blobKeys = Array.from({ length: seed.blobs }, (_, i) => `blobs/b1-blob${i + 1}`);
  const attachments: Record<string, string[]> = {};
  const mentionIds: string[] = [];
  await writer.putItems(tables.workspaces, [{ workspaceId: 'w1' }]);
  await writer.putItems(tables.boards, [{ boardId: 'b1', workspaceId: 'w1' }]);
  await writer.putItems(
    tables.cards,
    cardIds.map((cardId) => ({ cardId, boardId: 'b1', workspaceId: 'w1' })),
  );
  for (const cardId of cardIds) {
    attachments[cardId] = Array.from(
      { length: seed.attachmentsPerCard },
      (_, i) => `workspaces/w1/cards/${cardId}/file${i + 1}.bin`,
    );
    await writer.putItems(
      tables.comments,
      Array.from({ length: seed.commentsPerCard }, (_, i) => ({
        commentId: `${cardId}-m${i + 1}`,
        cardId,
      })),
    );
    const mentions = Array.from({ length: seed.mentionsPerCard }, (_, i) => `${cardId}-@${i + 1}`);
    mentionIds.push(...mentions);
    await writer.putItems(
      tables.mentions,
      mentions.map((mentionId) => ({ mentionId, cardId })),
    );
  }
  const exportKey = 'exports/b1.json';
  await writer.putObjects(buckets.files, [
    ...Object.values(attachments)
      .flat()
      .map((key) => ({ key, body: 'attachment' })),
    ...blobKeys.map((key) => ({ key, body: 'blob' })),
  ]);
  await writer.putObjects(buckets.exports, [
    {
      key: exportKey,
      body: JSON.stringify({ blobs: blobKeys.map((k) => k.slice('blobs/'.length)) }),
    },
  ]);
  return { tables, buckets, cardIds, attachments, exportKey, blobKeys, mentionIds };
}

/** Rows and objects of the seeded board that still exist, and mentions that still point at a card. */
export async function boardFootprint(pipeline: PipelineHarness, seeded: SeededBoard) {
  const { docs, objects } = pipeline.engine.context;
  const exists = async (table: string, key: Record<string, string>) =>
    (await docs.get(table, key)) !== undefined;
  const cards: string[] = [];
  for (const cardId of seeded.cardIds)
    if (await exists(seeded.tables.cards, { cardId })) cards.push(cardId);
  const comments: string[] = [];
  const pointing: string[] = [];
  for (const cardId of seeded.cardIds) {
    for (const item of (
      await docs.query({
        table: seeded.tables.comments,
        index: 'byCard',
        keyCondition: { expression: 'cardId = :c', values: { ':c': cardId } },
      })
    ).items)
      comments.push(String(item.commentId));
  }
  for (const mentionId of seeded.mentionIds) {
    const row = await docs.get(seeded.tables.mentions, { mentionId });
    if (row?.cardId !== undefined) pointing.push(mentionId);
  }
  const objectsLeft: string[] = [];
  for (const key of [...Object.values(seeded.attachments).flat(), ...seeded.blobKeys])
    if (await objects.exists(seeded.buckets.files, key)) objectsLeft.push(key);
  if (await objects.exists(seeded.buckets.exports, seeded.exportKey))
    objectsLeft.push(seeded.exportKey);
  return {
    workspace: await exists(seeded.tables.workspaces, { workspaceId: 'w1' }),
    board: await exists(seeded.tables.boards, { boardId: 'b1' }),
    cards,
    comments,
    mentionsPointing: pointing,
    objects: objectsLeft,
  };
}
