// `receipt verify` and `prove verify` check offline with --public-key; without it they ask the
// target for the key, and with no target the error says how to check offline instead.
import { describe, expect, it } from 'vitest';
import { publicKeyFor } from '../../../cli/receipt-command.js';

describe('Function: publicKeyFor', () => {
  it('says to give --public-key when there is no target to read the key from', async () => {
    // Prepare
    const deps = {
      target: () =>
        Promise.reject(new Error('no local stack is running (start one with `lethe local`)')),
    };

    // Act
    const error = await publicKeyFor(deps, {}).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('no local stack is running');
    expect((error as Error).message).toContain('--public-key key.pem');
  });
});
