import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builderShell, ensureBuilderImage } from '../builder-image.support.ts';
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
  libcAnswers: false,
});

// What the rumprun flavor adds: NetBSD's C library, built with gcc >= 10 (-fno-common).
test("a program calling NetBSD's setproctitle links: its __ps_strings is the common symbol the source meant", async () => {
  const image = await ensureBuilderImage('stubdom-rumprun-amd64');
  const T = image.profile.triplet;
  // libuv's tests failed on a multiple definition of __ps_strings (setproctitle.o, initfini.o)
  const program = `#include <stdlib.h>\nint main(void) { setproctitle("%s", "demo"); return 0; }`;
  const result = await builderShell(
    image.tag,
    `printf '%s\\n' '${program}' > title.c && ${T}-gcc title.c -o title && ${T}-nm title | grep -c -w setproctitle`,
  );
  assert.equal(result.code, 0, result.err);
  assert.equal(result.out, '1');
});
