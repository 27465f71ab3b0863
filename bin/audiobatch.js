#!/usr/bin/env node
// The `audiobatch` command (package.json "bin"): the repository runs TypeScript through tsx, so
// register its loader, then load the CLI's entry point, which sets the exit code itself.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
