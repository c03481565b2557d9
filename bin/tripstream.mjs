#!/usr/bin/env node
// `npx tripstream`: npm links a package's bin as a JavaScript file, so this one registers tsx (the project's
// TypeScript runner, as in every npm script) in this very process and loads the TypeScript entry point:
// no second process, so signals (Ctrl-C on a local run) and the exit code are the command's own.
import 'tsx';

await import('./tripstream.ts');
