import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isSupportedNode,
  MINIMUM_NODE_VERSION,
  requireSupportedNode,
  UnsupportedNodeError,
} from '../../../lib/supported-node.js';

const manifest = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as { engines: { node: string } };

describe('Function: isSupportedNode', () => {
  it('is the version package.json promises in engines', () => {
    expect(manifest.engines.node).toBe(`>=${MINIMUM_NODE_VERSION}`);
  });

  it('accepts the minimum and anything later, part by part', () => {
    for (const version of ['22.22.2', 'v22.22.2', '22.22.10', '22.23.0', '24.0.0', '100.0.0']) {
      expect(isSupportedNode(version)).toBe(true);
    }
  });

  it('refuses anything earlier, part by part', () => {
    for (const version of ['22.22.1', '22.9.99', '21.99.99', 'v20.20.2', '18.0.0']) {
      expect(isSupportedNode(version)).toBe(false);
    }
  });
});

describe('Function: requireSupportedNode', () => {
  it('throws one line naming the version needed and the running one, without a stack', () => {
    // Act
    const act = () => requireSupportedNode('20.20.2');

    // Assess
    expect(act).toThrow(UnsupportedNodeError);
    try {
      act();
    } catch (error) {
      const refused = error as UnsupportedNodeError;
      expect(refused.code).toBe('UNSUPPORTED_NODE');
      expect(refused.message).toBe(
        `lethe: needs Node.js ${MINIMUM_NODE_VERSION} or later; this is v20.20.2. Install a newer Node (nvm install 24, or npm install --save-dev node@24 and run through npx).`,
      );
      expect(refused.stack).toBe(`UnsupportedNodeError: ${refused.message}`);
    }
  });

  it('lets the running Node through', () => {
    expect(() => requireSupportedNode()).not.toThrow();
  });
});

describe('The Node that npm scripts run on', () => {
  it('is the devDependency node@24 (Lambda nodejs24.x), whatever Node npm itself runs on', () => {
    // npm puts node_modules/.bin first on PATH, where the `node` package's binary is: so
    // under Node 20, npm's EBADENGINE warning concerns npm's own Node, not the scripts'.
    const pinned = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { devDependencies: { node: string } };
    expect(pinned.devDependencies.node).toMatch(/^\^24\./);
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
