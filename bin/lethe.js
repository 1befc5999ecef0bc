#!/usr/bin/env node
// The lethe command. It runs the TypeScript sources through tsx, so the CLI, the local
// runtime and the Lambda handlers are the very same code.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
