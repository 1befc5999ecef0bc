// The pause switch, kept in the state table so every worker, sweeper and CLI sees it.
//
// Item  CONTROL / PAUSE   { paused, reason?, updatedAt }
import type { StateContext } from './state-context.js';
import { stateKeys } from './state-keys.js';

export async function isPaused(state: StateContext): Promise<boolean> {
  const item = await state.docs.get(state.table, stateKeys.control());
  return item?.paused === true;
}

export async function setPaused(
  state: StateContext,
  paused: boolean,
  reason?: string,
): Promise<void> {
  await state.docs.put(state.table, {
    ...stateKeys.control(),
    type: 'control',
    paused,
    reason,
    updatedAt: state.now().toISOString(),
  });
}
