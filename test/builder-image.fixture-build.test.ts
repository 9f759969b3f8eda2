import assert from 'node:assert/strict';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, test } from 'node:test';
import type { ArchProfile } from '../src/builders/arch-profile.ts';
import {
  copyFixture,
  ensureBuilderImage,
  fixturesDir,
  inspectDeb,
  listDir,
  runStubbuildBuild,
  tarOf,
  tempDir,
} from './builder-image.support.ts';
import { HANG_BACKSTOP_MS } from './helpers/wait-for.ts';

// Docker run alone (deps with the mirror, then build with
// --network none) turns our fixture into Architecture: stubdom-amd64 .debs.
let image: { profile: ArchProfile; tag: string; id: string };
before(async () => {
  image = await ensureBuilderImage();
});

test(
  'the fixture library builds offline into a stubdom-amd64 .deb with the library under /usr/lib/<triplet>/',
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const started = Date.now();
    const result = await runStubbuildBuild({ image, source: { tar: tarOf(path.join(fixturesDir, 'libstubhello')) }, twoStep: true });
    console.log(`libstubhello: ${result.outcome.outcome} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    try {
      const { outcome } = result;
      assert.equal(outcome.outcome, 'built', outcome.logTail ?? outcome.message);
      assert.equal(result.deps?.code, 0);
      assert.equal(result.build?.code, 0);
      assert.deepEqual(outcome.artifacts?.debs, ['libstubhello-dev_0.1_stubdom-amd64.deb']);
      assert.equal(outcome.artifacts?.buildinfo, 'libstubhello_0.1_stubdom-amd64.buildinfo');
      assert.equal(outcome.artifacts?.changes, 'libstubhello_0.1_stubdom-amd64.changes');
      assert.equal(outcome.source?.version, '0.1');
      assert.equal(outcome.provenance.imageId, image.id);
      assert.equal(outcome.provenance.toolchain.triplet, image.profile.triplet);
      assert.equal(outcome.provenance.port, null);
      // the source package that was built is handed back with the binaries
      assert.deepEqual(await listDir(path.join(result.outDir, 'source')), ['libstubhello_0.1.dsc', 'libstubhello_0.1.tar.xz']);

      const deb = await inspectDeb(image.tag, path.join(result.outDir, 'libstubhello-dev_0.1_stubdom-amd64.deb'));
      assert.match(deb.control, /^Architecture: stubdom-amd64$/m);
      assert.match(deb.control, /^Multi-Arch: same$/m);
      const T = image.profile.triplet;
      assert.ok(deb.files.includes(`./usr/lib/${T}/libstubhello.a`), deb.files.join('\n'));
      assert.ok(deb.files.includes(`./usr/lib/${T}/pkgconfig/stubhello.pc`));
      assert.ok(deb.files.includes(`./usr/include/${T}/stubhello.h`));

      const changes = await readFile(path.join(result.outDir, 'libstubhello_0.1_stubdom-amd64.changes'), 'utf8');
      assert.match(changes, /^Architecture: stubdom-amd64$/m);
      const buildinfo = await readFile(path.join(result.outDir, 'libstubhello_0.1_stubdom-amd64.buildinfo'), 'utf8');
      assert.match(buildinfo, /^Architecture: stubdom-amd64$/m);
      assert.doesNotMatch(buildinfo, /can-execute-cross-built-programs/, 'the cross-built test program trapped instead of running');
    } finally {
      await rm(result.outDir, { recursive: true, force: true });
    }
  },
);

test(
  "a -dev package whose documentation links to a runtime package the policy drops depends on nothing dropped and ships its own copyright (bzip2's --link-doc)",
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    const dir = await tempDir('link-doc');
    const tree = await copyFixture('libstubhello', dir);
    // bookworm's bzip2 does this: libbz2-dev's /usr/share/doc is a link to libbz2-1.0's, which
    // makes debhelper add "libbz2-1.0 (= version)" to its ${misc:Depends}.
    await appendFile(
      path.join(tree, 'debian/control'),
      '\nPackage: libstubhello1\nSection: libs\nArchitecture: any\nMulti-Arch: same\nDepends: ${shlibs:Depends}, ${misc:Depends}\nDescription: greeting library (runtime)\n The runtime package a static-only target does not build.\n',
    );
    // with a second package in debian/control, the install goes to debian/tmp
    await writeFile(path.join(tree, 'debian/libstubhello-dev.install'), 'usr/include\nusr/lib\n');
    const rules = path.join(tree, 'debian/rules');
    await writeFile(
      rules,
      (await readFile(rules, 'utf8')) +
        '\noverride_dh_installdocs:\n\tdh_installdocs -plibstubhello-dev --link-doc=libstubhello1\n\tdh_installdocs --remaining-packages\n',
    );
    const result = await runStubbuildBuild({ image, source: { tar: tarOf(tree) }, twoStep: false });
    try {
      const { outcome } = result;
      assert.equal(outcome.outcome, 'built', outcome.logTail ?? outcome.message);
      assert.deepEqual(outcome.artifacts?.debs, ['libstubhello-dev_0.1_stubdom-amd64.deb']);
      const deb = await inspectDeb(image.tag, path.join(result.outDir, 'libstubhello-dev_0.1_stubdom-amd64.deb'));
      assert.doesNotMatch(deb.control, /libstubhello1/, deb.control);
      assert.ok(deb.files.includes('./usr/share/doc/libstubhello-dev/copyright'), deb.files.join('\n'));
      assert.ok(deb.files.includes('./usr/share/doc/libstubhello-dev/changelog.Debian.gz'), deb.files.join('\n'));
      const log = await readFile(path.join(result.outDir, 'build.log'), 'utf8');
      assert.match(log, /^static-packaging: runtime-only shared-library packages not built: libstubhello1$/m);
      assert.match(
        log,
        /^dh_stubdom_static: libstubhello-dev: \$\{misc:Depends\} no longer names the packages not built \(was: libstubhello1 \(= \$\{binary:Version\}\)\)$/m,
      );
    } finally {
      await rm(result.outDir, { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    }
  },
);
