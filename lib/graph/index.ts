// The deletion graph: declaration, validation, queries, key templates and its picture.
export { defineGraph } from './define-graph.js';
export { cascadeOrder, getEntity, getRelation, rootEntities } from './graph-queries.js';
export type * from './graph-types.js';
export {
  isSafeKeyValue,
  type KeyTemplate,
  parseKeyTemplate,
  renderKey,
  SAFE_KEY_VALUE_CHARACTERS,
  staticPrefix,
  type TemplatePart,
  templateAttributes,
} from './key-template.js';
export { canonicalNumber, InvalidKeyValueError } from './key-types.js';
export { renderMermaid } from './render-mermaid.js';
