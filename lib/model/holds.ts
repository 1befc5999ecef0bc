// Legal holds: an operator's order that an entity instance, or everything of one tenant,
// must not be erased. Holds live in one small partition of the state table, so a unit reads
// all of them with one consistent Query right before it acts; a held unit waits, it does not
// fail, and lifting the hold lets it finish at its next check.
//
// Item  HOLDS / HOLD#entity#<entity>#<id>   { type: 'hold', holdId, entity, id, reason,
//                                             placedAt, placedBy? }
// Item  HOLDS / HOLD#tenant#<tenantId>      { type: 'hold', holdId, tenantId, reason,
//                                             placedAt, placedBy? }
import * as z from 'zod';
import { LetheError } from '../errors.js';
import type { Item, Key } from '../ports/document-store.js';
import type { StateContext } from './state-context.js';
import { stateKeys } from './state-keys.js';

export interface Hold {
  /** `entity:<entity>:<id>` or `tenant:<tenantId>`: what `liftHold` and the CLI name it by. */
  readonly holdId: string;
  readonly entity?: string | undefined;
  readonly id?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly reason: string;
  readonly placedAt: string;
  readonly placedBy?: string | undefined;
}

const text = (max: number) => z.string().trim().min(1).max(max);

const selector = {
  entity: text(128).optional(),
  id: text(512).optional(),
  tenantId: text(256).optional(),
};

function namesOne(s: {
  entity?: string | undefined;
  id?: string | undefined;
  tenantId?: string | undefined;
}) {
  return s.tenantId !== undefined
    ? s.entity === undefined && s.id === undefined
    : s.entity !== undefined && s.id !== undefined;
}
const namesOneMessage = 'name either an entity and its id, or a tenantId';

/** Either an entity instance (`entity` and `id`) or a tenant (`tenantId`), never both. */
export const holdSelectorSchema = z.strictObject(selector).refine(namesOne, namesOneMessage);

export const placeHoldSchema = z
  .strictObject({ ...selector, reason: text(1024), placedBy: text(256).optional() })
  .refine(namesOne, namesOneMessage);

export type HoldSelector = z.input<typeof holdSelectorSchema>;
export type PlaceHold = z.input<typeof placeHoldSchema>;

export class InvalidHoldError extends LetheError {
  constructor(message: string) {
    super('INVALID_HOLD', message);
    this.name = 'InvalidHoldError';
  }
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(hold)'}: ${i.message}`);
    throw new InvalidHoldError(`invalid hold: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function holdKey(selector: { entity?: string; id?: string; tenantId?: string }): Key {
  return selector.tenantId !== undefined
    ? stateKeys.tenantHold(selector.tenantId)
    : stateKeys.entityHold(String(selector.entity), String(selector.id));
}

export function holdIdOf(selector: { entity?: string; id?: string; tenantId?: string }): string {
  return selector.tenantId !== undefined
    ? `tenant:${selector.tenantId}`
    : `entity:${selector.entity}:${selector.id}`;
}

function holdFromItem(item: Item): Hold {
  return {
    holdId: String(item.holdId),
    entity: item.entity as string | undefined,
    id: item.id as string | undefined,
    tenantId: item.tenantId as string | undefined,
    reason: String(item.reason),
    placedAt: String(item.placedAt),
    placedBy: item.placedBy as string | undefined,
  };
}

/** Places (or re-places, with a new reason) a hold. Validates the input: it comes from outside. */
export async function placeHold(state: StateContext, input: PlaceHold): Promise<Hold> {
  const request = parse(placeHoldSchema, input);
  const hold: Hold = {
    holdId: holdIdOf(request),
    ...(request.tenantId !== undefined
      ? { tenantId: request.tenantId }
      : { entity: request.entity, id: request.id }),
    reason: request.reason,
    placedAt: state.now().toISOString(),
    ...(request.placedBy !== undefined ? { placedBy: request.placedBy } : {}),
  };
  await state.docs.put(state.table, { ...holdKey(request), type: 'hold', ...hold });
  return hold;
}

/** Lifts a hold; false when there was none. Waiting units go ahead at their next check. */
export async function liftHold(state: StateContext, input: HoldSelector): Promise<boolean> {
  const selector = parse(holdSelectorSchema, input);
  const key = holdKey(selector);
  const existing = await state.docs.get(state.table, key, true);
  if (!existing) return false;
  await state.docs.delete(state.table, key);
  return true;
}

/** Every hold in place, read consistently: what a unit checks right before it acts. */
export async function listHolds(state: StateContext): Promise<Hold[]> {
  const holds: Hold[] = [];
  let startKey: Key | undefined;
  do {
    const page = await state.docs.query({
      table: state.table,
      keyCondition: { expression: 'pk = :pk', values: { ':pk': stateKeys.holdPartition() } },
      startKey,
      consistent: true,
    });
    holds.push(...page.items.map(holdFromItem));
    startKey = page.lastKey;
  } while (startKey);
  return holds;
}
