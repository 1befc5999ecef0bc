import { describe, expect, it } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { GraphDefinition } from '../../../lib/graph/graph-types.js';
import { renderMermaid } from '../../../lib/graph/render-mermaid.js';
import { baseDefinition } from './graph-fixtures.js';

/** Each line of the output is one of these statements (a rough flowchart grammar). */
const STATEMENT = [
  /^flowchart TD$/,
  /^ {2}%% [^\n]*$/,
  /^ {2}\w+\["[^"\n]*"\]$/,
  /^ {2}\w+\[\("[^"\n]*"\)\]$/,
  /^ {2}\w+ (==>|-\.->|--x|---|-\.-o)\|"[^"\n]*"\| \w+$/,
  /^ {2}\w+ --o \w+$/,
];

describe('Function: renderMermaid', () => {
  it('starts a top-down flowchart and ends with a newline', () => {
    // Act
    const text = renderMermaid(exampleGraph());

    // Assess
    expect(text.startsWith('flowchart TD\n')).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('draws one node per entity with its name and table', () => {
    // Act
    const text = renderMermaid(exampleGraph());

    // Assess
    expect(text).toContain('  e0["organization<br/>table: lethe-example-organizations"]\n');
    expect(text).toContain('  e1["membership<br/>table: lethe-example-memberships"]\n');
    expect(text).toContain('  e2["project<br/>table: lethe-example-projects"]\n');
    expect(text).toContain('  e3["artifact<br/>table: lethe-example-artifacts"]\n');
    expect(text).toContain('  e4["snapshot<br/>table: lethe-example-snapshots"]\n');
    expect(text).toContain('  e5["alert<br/>table: lethe-example-alerts"]\n');
  });

  it('draws one edge per relation, thick for cascade and dotted for set-null', () => {
    // Act
    const text = renderMermaid(exampleGraph());

    // Assess
    expect(text).toContain('  e0 ==>|"orgId: cascade<br/>by key"| e1\n');
    expect(text).toContain('  e0 ==>|"orgId: cascade<br/>by index byOrg"| e2\n');
    expect(text).toContain('  e2 ==>|"projectId: cascade<br/>by index byProject"| e3\n');
    expect(text).toContain('  e2 ==>|"projectId: cascade<br/>by index byProject"| e4\n');
    expect(text).toContain('  e2 -.->|"projectId: set-null<br/>by index byProject"| e5\n');
    expect(text.match(/\|"[^"]*"\| e\d+\n/g)).toHaveLength(5);
  });

  it('draws restrict and none relations with their own arrows', () => {
    // Prepare
    const definition = baseDefinition();
    definition.entities.project.parents = [
      { entity: 'org', attribute: 'orgId', index: 'byOrg', onDelete: 'restrict' },
    ];
    definition.entities.membership.parents = [
      { entity: 'org', attribute: 'orgId', onDelete: 'none' },
    ];

    // Act
    const text = renderMermaid(defineGraph(definition as GraphDefinition));

    // Assess
    expect(text).toContain('  e0 --x|"orgId: restrict<br/>by index byOrg"| e1\n');
    expect(text).toContain('  e0 ---|"orgId: none<br/>by key"| e2\n');
  });

  it('draws object groups as bucket nodes with their template and shared mode', () => {
    // Act
    const text = renderMermaid(exampleGraph());

    // Assess
    expect(text).toContain(
      '  e2o0[("prefix in artifacts (lethe-example-artifacts)<br/>projects/{projectId}/")]\n  e2 --o e2o0\n',
    );
    expect(text).toContain(
      '  e3o0[("key in artifacts (lethe-example-artifacts)<br/>artifacts/{projectId}/{artifactId}.bin")]\n',
    );
    expect(text).toContain(
      '  e4o0[("manifest in snapshots (lethe-example-snapshots)<br/>manifests/{snapshotId}.json")]\n',
    );
    expect(text).toContain(
      '  e4o0i[("listed keys in images (lethe-example-images)<br/>images/{value}<br/>shared: refcount")]\n',
    );
    expect(text).toContain('  e4o0 -.-o|"lists images"| e4o0i\n');
  });

  it('escapes quotes, angle brackets and "#" in labels', () => {
    // Prepare
    const definition = baseDefinition();
    definition.entities.project.objects = [
      { kind: 'prefix', bucket: 'files', template: 'say "hi" <b>#1/{projectId}/', shared: 'ttl' },
    ];

    // Act
    const text = renderMermaid(defineGraph(definition as GraphDefinition));

    // Assess
    expect(text).toContain(
      '  e1o0[("prefix in files (test-files)<br/>say #34;hi#34; #60;b#62;#35;1/{projectId}/<br/>shared: ttl")]\n',
    );
  });

  it('writes only statements of the flowchart grammar', () => {
    // Prepare
    const definition = baseDefinition();
    definition.entities.project.objects = [
      { kind: 'key', bucket: 'files', template: 'a|b"c\'d`e/{projectId}' },
    ];

    // Act
    const lines = [exampleGraph(), defineGraph(definition as GraphDefinition)]
      .flatMap((graph) => renderMermaid(graph).trimEnd().split('\n'))
      .filter((line) => !STATEMENT.some((pattern) => pattern.test(line)));

    // Assess
    expect(lines).toEqual([]);
  });

  it('renders the same text for the same graph', () => {
    // Act
    const first = renderMermaid(exampleGraph());
    const second = renderMermaid(exampleGraph());

    // Assess
    expect(second).toBe(first);
  });
});
