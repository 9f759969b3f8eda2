import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ArchProfile } from '../src/builders/arch-profile.ts';
import {
  downloadDebianSource,
  ensureBuilderImage,
  inspectDeb,
  listDir,
  makeStubdomRepo,
  run,
  runStubbuildBuild,
  tempDir,
  type BuildRun,
} from './builder-image.support.ts';
import { HANG_BACKSTOP_MS } from './helpers/wait-for.ts';

// Debian bookworm's zlib with ports/zlib builds into
// zlib1g-dev_…+stubdom1_stubdom-amd64.deb, and a program links -lz through the triplet's pkg-config.
const zlibVersion = '1:1.2.13.dfsg-1';
const ported = '1.2.13.dfsg-1+stubdom1';
let image: { profile: ArchProfile; tag: string; id: string };
const cleanup: string[] = [];
let build: BuildRun;

before(async () => {
  image = await ensureBuilderImage();
});
after(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('bookworm zlib with the shipped port builds into zlib1g-dev +stubdom1 for stubdom-amd64', { timeout: HANG_BACKSTOP_MS }, async () => {
  // the source, straight from the mirror (deb-src lines are in the image)
  const sourceDir = await tempDir('zlib-source');
  cleanup.push(sourceDir);
  await downloadDebianSource(image.tag, `zlib=${zlibVersion}`, sourceDir);

  // a signed file: repository with the image's essential packages (stubdom-libc-dev, …)
  const repo = await makeStubdomRepo(image.tag, image.profile);
  cleanup.push(repo.dir, path.dirname(repo.keyFile));

  const started = Date.now();
  build = await runStubbuildBuild({ image, source: { dir: sourceDir }, repo, twoStep: true });
  cleanup.push(build.outDir);
  console.log(`zlib: ${build.outcome.outcome} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const { outcome } = build;
  assert.equal(outcome.outcome, 'built', outcome.logTail ?? outcome.message);
  assert.deepEqual(outcome.artifacts?.debs, [`zlib1g-dev_${ported}_stubdom-amd64.deb`]);
  assert.equal(outcome.source?.version, `1:${ported}`);
  assert.equal(outcome.source?.originalVersion, zlibVersion);
  assert.equal(outcome.provenance.port?.name, 'zlib');
  assert.equal(outcome.provenance.port?.revision, 1);
  assert.match(outcome.provenance.port?.sha256 ?? '', /^[0-9a-f]{64}$/);
  // the exact ported source is handed back for publishing: the orig tarball is Debian's own
  assert.deepEqual(await listDir(path.join(build.outDir, 'source')), [
    `zlib_${ported}.debian.tar.xz`,
    `zlib_${ported}.dsc`,
    'zlib_1.2.13.dfsg.orig.tar.bz2',
  ]);

  const deb = await inspectDeb(image.tag, path.join(build.outDir, `zlib1g-dev_${ported}_stubdom-amd64.deb`));
  assert.match(deb.control, /^Architecture: stubdom-amd64$/m);
  assert.match(deb.control, /^Depends: libc6-dev \| libc-dev$/m);
  assert.ok(deb.files.includes(`./usr/lib/${image.profile.triplet}/libz.a`), deb.files.join('\n'));
  assert.ok(!deb.files.some((file) => file.includes('libz.so')), 'no shared library');
});

test(
  'a program using -lz through <triplet>-pkg-config links against that zlib1g-dev inside the image',
  { timeout: HANG_BACKSTOP_MS },
  async () => {
    assert.equal(build?.outcome.outcome, 'built', 'needs the zlib build above');
    const T = image.profile.triplet;
    // apt installs zlib1g-dev:stubdom-amd64 from a signed repository holding it and the
    // essential packages (stubdom-libc-dev provides libc-dev); no network at all
    const repo = await makeStubdomRepo(image.tag, image.profile, [path.join(build.outDir, `zlib1g-dev_${ported}_stubdom-amd64.deb`)]);
    cleanup.push(repo.dir, path.dirname(repo.keyFile));
    const program = `#include <string.h>
#include <zlib.h>
int main(void) {
  const char *text = "stub domains stub domains stub domains";
  unsigned char packed[128]; uLongf size = sizeof packed;
  return compress(packed, &size, (const Bytef *)text, strlen(text)) == Z_OK ? 0 : 1;
}`;
    const script = [
      'set -e',
      `echo "deb [arch=${image.profile.arch} signed-by=/etc/stubbuild/stubdom-repo.asc] file:/srv/stubdom-repo stubdom main" > /etc/apt/sources.list`,
      'apt-get update -qq >/dev/null',
      `apt-get install -y -qq zlib1g-dev:${image.profile.arch} >/dev/null`,
      `dpkg-query -W -f '\${Package}:\${Architecture} \${Version}\\n' zlib1g-dev stubdom-libc-dev`,
      `cat > /tmp/deflate.c <<'C'\n${program}\nC`,
      `cd /tmp && setpriv --reuid=builder --regid=builder --init-groups sh -c '
       echo "libs=$(${T}-pkg-config --libs zlib)"
       ${T}-gcc $(${T}-pkg-config --cflags zlib) deflate.c -o deflate $(${T}-pkg-config --libs zlib) 2>/dev/null
       echo "compress=$(${T}-nm deflate | grep -c -w -E "T (compress|deflate)")"
       ./deflate || echo "run=$?"'`,
    ].join('\n');
    const result = await run('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${repo.dir}:/srv/stubdom-repo:ro`,
      '-v',
      `${repo.keyFile}:/etc/stubbuild/stubdom-repo.asc:ro`,
      '--entrypoint',
      'bash',
      image.tag,
      '-c',
      script,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^zlib1g-dev:${image.profile.arch} 1:${ported.replace(/\+/g, '\\+')}$`, 'm'));
    assert.match(result.stdout, new RegExp(`^stubdom-libc-dev:${image.profile.arch} `, 'm'));
    assert.match(result.stdout, /^libs=-lz *$/m);
    assert.match(result.stdout, /^compress=2$/m, 'compress and deflate linked in from libz.a');
    assert.match(result.stdout, /^run=132$/m, 'the linked program traps when run');
  },
);
