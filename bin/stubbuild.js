#!/usr/bin/env -S node --max-semi-space-size=4
// The CLI runs the TypeScript sources through tsx, so a fresh clone needs no build step.
// --max-semi-space-size=4 (MiB): V8 otherwise lets the young generation grow to 2 x 16 MiB under
// load and keeps it; capped, the service's resident memory is ~35 MiB lower for the same
// throughput (bench/RESULTS.md, "Job reads under load"). A V8 flag can only be given at start,
// so it lives here, where `stubbuild …`, `npm start` and the benchmarks start node.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
