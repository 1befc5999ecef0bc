// Boots one local stack for the whole integration run and hands its endpoints to the tests
// (`inject('localStack')`). Teardown stops it and checks that no emulator process survives.
import type { TestProject } from 'vitest/node';
import { isPidAlive, type LocalEndpoints, startLocalStack } from '../../local/start-local-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    localStack: { endpoints: LocalEndpoints; region: string; pids: number[] };
  }
}

export default async function setup(project: TestProject) {
  const stack = await startLocalStack();
  project.provide('localStack', {
    endpoints: stack.endpoints,
    region: stack.region,
    pids: [...stack.pids],
  });
  return async function teardown() {
    await stack.stop();
    const survivors = stack.pids.filter(isPidAlive);
    if (survivors.length > 0) {
      throw new Error(`emulator processes survived the test run: ${survivors.join(', ')}`);
    }
  };
}
