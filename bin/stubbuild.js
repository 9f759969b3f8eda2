#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// The CLI runs the TypeScript sources through tsx, so a fresh clone needs no build step.
// Both settings of the first line only take effect at start, so they live here, where
// `stubbuild …`, `npm start` and the benchmarks start node (bench/RESULTS.md, "Job reads under load"):
// --max-semi-space-size=4 (MiB): V8 otherwise lets the young generation grow to 2 x 16 MiB under
//   load and keeps it; capped, the service holds ~35 MiB less for the same throughput.
// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates an arena of its own (up to 8 per
//   core) and keeps it after the thread ends; after a bulk upload's filing threads stopped, the
//   service held ~58 MiB more without this.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
