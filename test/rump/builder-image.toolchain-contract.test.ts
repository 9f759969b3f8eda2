import { ensureBuilderImage } from '../builder-image.support.ts';
import { defineToolchainContract } from '../helpers/toolchain-contract.ts';

// The toolchain contract for the rumprun flavor (stubdom-rumprun-amd64): the same tests as the
// newlib flavor's in npm test. Builds the image when it is missing or stale (about half an hour
// cold), hence npm run test:rump.
defineToolchainContract(() => ensureBuilderImage('stubdom-rumprun-amd64'), {
  languages: ['c', 'c++'],
  programs: ['rumprun-bake'],
  // rumprun's driver links a relocatable "fermented" object that rumprun-bake makes an image of;
  // its specs add -fno-stack-protector after the package's flags
  program: { kind: 'relocatable', exitWhenRun: 126 },
  stackGuard: false,
  // malloc and the other hooks come from rumprun's base library, which rumprun-bake links
  runtime: ['lib/libc.a', 'lib/libm.a', 'lib/rumprun-hw/librumprun_base.a'],
  shared: 'relocatable',
});
