// The deletion graph as a Mermaid flowchart, for `lethe graph --mermaid` and the docs.
// Node ids are positional (e0, e0o1) so no entity name can collide with Mermaid syntax or
// keywords; labels carry the names. Same graph in, same text out.
import type { Graph, ObjectGroupDefinition, OnDelete } from './graph-types.js';

/** Arrow per action: thick for cascade, dotted for set-null, a cross for restrict, a plain line for none. */
const ARROWS: Readonly<Record<OnDelete, string>> = {
  cascade: '==>',
  'set-null': '-.->',
  restrict: '--x',
  none: '---',
};

/** Mermaid entity codes: quotes would end the label, `<`/`>` would be read as HTML, `#` starts a code. */
function escapeLabel(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[#"<>&`|]/g, (character) => `#${character.charCodeAt(0)};`);
}

function quoted(lines: readonly string[]): string {
  return `"${lines.map(escapeLabel).join('<br/>')}"`;
}

function bucketLabel(graph: Graph, bucket: string): string {
  const physical = graph.buckets[bucket]?.name;
  return physical === undefined || physical === bucket ? bucket : `${bucket} (${physical})`;
}

function objectNodes(
  graph: Graph,
  owner: string,
  id: string,
  group: ObjectGroupDefinition,
): string[] {
  const shared = group.shared === undefined ? [] : [`shared: ${group.shared}`];
  const label = quoted([
    `${group.kind} in ${bucketLabel(graph, group.bucket)}`,
    group.template,
    ...shared,
  ]);
  const lines = [`  ${id}[(${label})]`, `  ${owner} --o ${id}`];
  if (group.kind === 'manifest') {
    const items = [
      `listed keys in ${bucketLabel(graph, group.itemBucket ?? group.bucket)}`,
      group.itemTemplate,
      ...(group.itemsShared === undefined ? [] : [`shared: ${group.itemsShared}`]),
    ];
    lines.push(
      `  ${id}i[(${quoted(items)})]`,
      `  ${id} -.-o|${quoted([`lists ${group.keysPath}`])}| ${id}i`,
    );
  }
  return lines;
}

/** A `flowchart TD` with a node per entity, an edge per relation and a bucket node per object group. */
export function renderMermaid(graph: Graph): string {
  const names = Object.keys(graph.entities);
  const ids = new Map(names.map((name, index) => [name, `e${index}`]));
  const lines = [
    'flowchart TD',
    '  %% relations: ==> cascade, -.-> set-null, --x restrict, --- none; --o owns objects',
  ];
  for (const [index, name] of names.entries()) {
    const entity = graph.entities[name];
    if (entity === undefined) {
      continue;
    }
    lines.push(`  e${index}[${quoted([name, `table: ${entity.tableName}`])}]`);
  }
  for (const relation of graph.relations) {
    const parent = ids.get(relation.parent);
    const child = ids.get(relation.child);
    if (parent === undefined || child === undefined) {
      continue;
    }
    const via = relation.index === undefined ? 'by key' : `by index ${relation.index}`;
    const label = quoted([`${relation.attribute}: ${relation.onDelete}`, via]);
    lines.push(`  ${parent} ${ARROWS[relation.onDelete]}|${label}| ${child}`);
  }
  for (const [index, name] of names.entries()) {
    const entity = graph.entities[name];
    for (const [position, group] of (entity?.objects ?? []).entries()) {
      lines.push(...objectNodes(graph, `e${index}`, `e${index}o${position}`, group));
    }
  }
  return `${lines.join('\n')}\n`;
}
