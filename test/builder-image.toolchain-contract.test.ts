import { ensureBuilderImage } from './builder-image.support.ts';
import { defineToolchainContract } from './helpers/toolchain-contract.ts';

// Acceptance 2: the toolchain contract, for the newlib flavor (stubdom-amd64). The rumprun
// flavor keeps the same contract in test/rump/ (npm run test:rump: its image takes half an hour).
defineToolchainContract(() => ensureBuilderImage('stubdom-amd64'), {
  languages: ['c'],
  programs: [],
  program: { kind: 'executable', exitWhenRun: 132 },
  stackGuard: true,
  runtime: ['lib/libc.a', 'lib/libm.a'],
});
