// Which Node lethe runs on. The public entries (`lethe`, `lethe/cdk`, `lethe/local`) import
// require-supported-node.ts first, so an older Node meets one clear line instead of a
// failure deep inside a dependency; the `lethe` bin makes the same check from package.json.
import { LetheError } from './errors.js';

/** The oldest Node lethe supports; package.json's `engines.node` is `>=` this (a test keeps them equal). */
export const MINIMUM_NODE_VERSION = '22.22.2';

function parts(version: string): number[] {
  return (/(\d+)\.(\d+)\.(\d+)/.exec(version) ?? ['', '0', '0', '0']).slice(1).map(Number);
}

/** Whether `version` (`22.22.2` or `v22.22.2`) is at least `MINIMUM_NODE_VERSION`. */
export function isSupportedNode(version: string): boolean {
  const running = parts(version);
  const minimum = parts(MINIMUM_NODE_VERSION);
  for (let i = 0; i < minimum.length; i++) {
    const have = running[i] ?? 0;
    const need = minimum[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

/**
 * lethe was loaded on a Node older than `MINIMUM_NODE_VERSION`. Code `UNSUPPORTED_NODE`. Its
 * stack is its message alone: the fix is a newer Node, not a line of lethe's code.
 */
export class UnsupportedNodeError extends LetheError {
  readonly version: string;

  constructor(version: string) {
    super(
      'UNSUPPORTED_NODE',
      `lethe: needs Node.js ${MINIMUM_NODE_VERSION} or later; this is v${version.replace(/^v/, '')}. ` +
        'Install a newer Node (nvm install 24, or npm install --save-dev node@24 and run through npx).',
    );
    this.name = 'UnsupportedNodeError';
    this.version = version;
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * @throws UnsupportedNodeError when `version` (default: the running Node's) is older than
 *   `MINIMUM_NODE_VERSION`.
 */
export function requireSupportedNode(version: string = process.versions.node): void {
  if (!isSupportedNode(version)) throw new UnsupportedNodeError(version);
}
