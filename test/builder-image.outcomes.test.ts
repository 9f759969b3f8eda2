import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ArchProfile } from '../src/builders/arch-profile.ts';
import { copyFixture, ensureBuilderImage, runStubbuildBuild, tarOf, tempDir } from './builder-image.support.ts';
import { HANG_BACKSTOP_MS } from './helpers/wait-for.ts';

// What cannot be built says why, in outcome.json. Both variants of the fixture
// run `all` in one container (deps and build), the other way the entrypoint can be used.
let image: { profile: ArchProfile; tag: string; id: string };
const cleanup: string[] = [];
before(async () => {
  image = await ensureBuilderImage();
});
after(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function variant(edit: (tree: string) => Promise<void>): Promise<string> {
  const dir = await tempDir('variant');
  cleanup.push(dir);
  const tree = await copyFixture('libstubhello', dir);
  await edit(tree);
  return tree;
}

test('a build-dependency missing from the repository ends dep-wait naming it', { timeout: HANG_BACKSTOP_MS }, async () => {
  const tree = await variant(async (tree) => {
    const control = path.join(tree, 'debian/control');
    const text = await readFile(control, 'utf8');
    await writeFile(
      control,
      text.replace('Build-Depends: debhelper-compat (= 13)', 'Build-Depends: debhelper-compat (= 13), libstubdom-missing-dev (>= 2)'),
    );
  });
  const result = await runStubbuildBuild({ image, source: { tar: tarOf(tree) }, twoStep: false });
  cleanup.push(result.outDir);
  const { outcome } = result;
  assert.equal(outcome.outcome, 'dep-wait', JSON.stringify(outcome, null, 2));
  assert.equal(result.build?.code, 3, 'exit status 3 means dep-wait');
  assert.ok(
    outcome.relations?.some((relation) => relation.startsWith(`libstubdom-missing-dev:${image.profile.arch}`)),
    JSON.stringify(outcome.unmet),
  );
  assert.ok(
    outcome.unmet?.some((line) => /libstubdom-missing-dev.* but it is not installable/.test(line)),
    JSON.stringify(outcome.unmet),
  );
});

test('a source that does not compile ends failed with the compiler error in its log', { timeout: HANG_BACKSTOP_MS }, async () => {
  const tree = await variant(async (tree) => {
    await writeFile(
      path.join(tree, 'src/stubhello.c'),
      '#include "stubhello.h"\nint stubhello_greet(char *buf, size_t size, const char *name) { return undeclared_thing; }\n',
    );
  });
  const result = await runStubbuildBuild({ image, source: { tar: tarOf(tree) }, twoStep: false });
  cleanup.push(result.outDir);
  const { outcome } = result;
  assert.equal(outcome.outcome, 'failed');
  assert.equal(outcome.reason, 'build-error');
  assert.equal(outcome.log, 'build.log');
  const log = await readFile(path.join(result.outDir, 'build.log'), 'utf8');
  assert.match(log, /src\/stubhello\.c:2:\d+: error: .undeclared_thing. undeclared/);
  assert.match(outcome.logTail ?? '', /dpkg-buildpackage: error/);
});

test(
  "a -dev package whose .pc names a library it does not ship ends failed, naming the missing archive (the toolchain's -lm is there)",
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const tree = await variant(async (tree) => {
      // What a library that builds only as a shared object leaves once the policy drops the .so.
      const makefile = path.join(tree, 'Makefile');
      await writeFile(makefile, (await readFile(makefile, 'utf8')).replace(/\tinstall -m 0644 libstubhello\.a .*\n/, ''));
      const pc = path.join(tree, 'stubhello.pc.in');
      await writeFile(pc, (await readFile(pc, 'utf8')).replace('-lstubhello', '-lstubhello -lm'));
    });
    const result = await runStubbuildBuild({ image, source: { tar: tarOf(tree) }, twoStep: false });
    cleanup.push(result.outDir);
    const { outcome } = result;
    assert.equal(outcome.outcome, 'failed', JSON.stringify(outcome, null, 2));
    assert.equal(outcome.reason, 'build-error');
    const triplet = image.profile.triplet;
    const expected = `shared-library: libstubhello-dev_0.1_${image.profile.arch}.deb: /usr/lib/${triplet}/pkgconfig/stubhello.pc names -lstubhello, but no libstubhello.a is shipped or in the target's library folders`;
    assert.equal(outcome.message, expected);
    const log = await readFile(path.join(result.outDir, 'build.log'), 'utf8');
    const checked = log.split('\n').filter((line) => line.startsWith('check-dev-libraries: '));
    assert.deepEqual(checked, [`check-dev-libraries: ${expected.slice('shared-library: '.length)}`]);
  },
);

test(
  'with the Debian mirror out of reach, the step fails as an infrastructure fault, not as the source',
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const tree = await variant(async () => undefined);
    const result = await runStubbuildBuild({ image, source: { tar: tarOf(tree) }, twoStep: false, network: 'none' });
    cleanup.push(result.outDir);
    const { outcome } = result;
    assert.equal(outcome.outcome, 'failed', JSON.stringify(outcome, null, 2));
    // internal-error is what the service retries on another attempt (src/builders/outcome-file.ts)
    assert.equal(outcome.reason, 'internal-error', JSON.stringify(outcome, null, 2));
    assert.match(
      String(outcome.message),
      /^the Debian mirror could not be reached: .*(Temporary failure resolving|Could not resolve|Could not connect)/,
    );
  },
);
