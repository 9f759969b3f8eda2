import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ArchProfile } from '../../src/builders/arch-profile.ts';
import { ensureBuilderImage, inspectDeb, makeStubdomRepo, run, runStubbuildBuild, tempDir, type BuildRun } from '../builder-image.support.ts';
import { waitFor } from '../helpers/wait-for.ts';

// What the rumprun architecture publishes runs: Debian's zlib, cross-built by stubbuild-build
// in the rump image and installed with apt into a fresh builder container, is linked into a
// unikernel that boots under qemu (TCG) and prints zlibVersion() and a compress/uncompress
// round trip on its serial console. The xen_pv bake of the same program carries Xen's notes.
const arch = 'stubdom-rumprun-amd64';
const zlibVersion = '1:1.2.13.dfsg-1';
const ported = '1.2.13.dfsg-1+stubdom1';
const deb = `zlib1g-dev_${ported}_${arch}.deb`;
let image: { profile: ArchProfile; tag: string; id: string };
let build: BuildRun;
let images: string;
const cleanup: string[] = [];

before(async () => {
  image = await ensureBuilderImage(arch);
});
after(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

test('bookworm zlib with the shipped port builds into zlib1g-dev for the rump architecture', { timeout: 20 * 60_000 }, async () => {
  const sourceDir = await tempDir('zlib-source');
  cleanup.push(sourceDir);
  const download = await run('docker', [
    'run', '--rm', '-v', `${sourceDir}:/src`, '--entrypoint', 'sh', image.tag, '-c',
    `set -e; apt-get update -qq; chown _apt /src; cd /src; apt-get source --download-only -qq zlib=${zlibVersion}`,
  ]);
  assert.equal(download.code, 0, download.stderr);
  // a signed file: repository with the image's essential packages (stubdom-libc-dev, …)
  const repo = await makeStubdomRepo(image.tag, image.profile);
  cleanup.push(repo.dir, path.dirname(repo.keyFile));

  build = await runStubbuildBuild({ image, source: { dir: sourceDir }, repo, twoStep: true });
  cleanup.push(build.outDir);
  const { outcome } = build;
  assert.equal(outcome.outcome, 'built', outcome.logTail ?? outcome.message);
  assert.deepEqual(outcome.artifacts?.debs, [deb]);
  assert.equal(outcome.provenance.toolchain.flavor, 'rumprun');
  const contents = await inspectDeb(image.tag, path.join(build.outDir, deb));
  assert.match(contents.control, new RegExp(`^Architecture: ${arch}$`, 'm'));
  assert.ok(contents.files.includes(`./usr/lib/${image.profile.triplet}/libz.a`), contents.files.join('\n'));
  assert.ok(contents.files.includes('./usr/include/zlib.h'));
});

const program = `#include <stdio.h>
#include <string.h>
#include <zlib.h>
int main(void) {
  static const char text[] = "a stub domain links the distribution's zlib; a stub domain links the distribution's zlib";
  unsigned char packed[256], unpacked[256];
  uLongf packedLen = sizeof packed, unpackedLen = sizeof unpacked;
  int ok = compress(packed, &packedLen, (const Bytef *)text, sizeof text) == Z_OK
        && uncompress(unpacked, &unpackedLen, packed, packedLen) == Z_OK
        && unpackedLen == sizeof text && memcmp(unpacked, text, sizeof text) == 0;
  printf("zdemo: zlib %s: %lu bytes -> %lu compressed -> %lu, %s\\n", zlibVersion(),
         (unsigned long)sizeof text, (unsigned long)packedLen, (unsigned long)unpackedLen,
         ok ? "round trip ok" : "ROUND TRIP FAILED");
  return ok ? 0 : 1;
}`;

test('a program linked against that zlib1g-dev, installed by apt in a fresh container, bakes for hw and xen', { timeout: 10 * 60_000 }, async () => {
  assert.equal(build?.outcome.outcome, 'built', 'needs the zlib build above');
  const T = image.profile.triplet;
  const repo = await makeStubdomRepo(image.tag, image.profile, [path.join(build.outDir, deb)]);
  cleanup.push(repo.dir, path.dirname(repo.keyFile));
  images = await tempDir('unikernels');
  cleanup.push(images);
  const script = [
    'set -e',
    `echo "deb [arch=${arch} signed-by=/etc/stubbuild/stubdom-repo.asc] file:/srv/stubdom-repo stubdom main" > /etc/apt/sources.list`,
    'apt-get update -qq >/dev/null',
    `apt-get install -y -qq zlib1g-dev:${arch} >/dev/null`,
    `dpkg-query -W -f '\${Package}:\${Architecture} \${Version}\\n' zlib1g-dev stubdom-libc-dev`,
    `cat > /tmp/zdemo.c <<'C'\n${program}\nC`,
    `cd /tmp && setpriv --reuid=builder --regid=builder --init-groups env RUMPRUN_WARNING_STFU=please sh -ec '
       ${T}-gcc $(${T}-pkg-config --cflags zlib) -O2 zdemo.c -o zdemo $(${T}-pkg-config --libs zlib)
       rumprun-bake hw_virtio zdemo-hw.img zdemo
       rumprun-bake xen_pv zdemo-xen.img zdemo'`,
    'cp /tmp/zdemo-hw.img /tmp/zdemo-xen.img /out/ && chmod a+r /out/*',
    // what Xen's ELF loader reads to take an image as a PV guest: "Xen" ELF notes, or (what
    // rumprun's Mini-OS has) the older __xen_guest section, which libelf reads when there are none
    `echo "xen_notes=$(${T}-readelf -n /out/zdemo-xen.img | grep -c -E '^ +Xen ')"`,
    `echo "xen_guest=$(${T}-readelf -p __xen_guest /out/zdemo-xen.img 2>/dev/null | grep -o 'GUEST_OS=.*')"`,
    `echo "hw_xen=$(${T}-readelf -n -S /out/zdemo-hw.img | grep -c -E '^ +Xen |__xen_guest')"`,
  ].join('\n');
  const result = await run('docker', [
    'run', '--rm', '--network', 'none',
    '-v', `${repo.dir}:/srv/stubdom-repo:ro`, '-v', `${repo.keyFile}:/etc/stubbuild/stubdom-repo.asc:ro`, '-v', `${images}:/out`,
    '--entrypoint', 'bash', image.tag, '-c', script,
  ]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, new RegExp(`^zlib1g-dev:${arch} 1:${ported.replace(/\+/g, '\\+')}$`, 'm'));
  assert.match(result.stdout, new RegExp(`^stubdom-libc-dev:${arch} `, 'm'), 'the essential package came from the repository');
  const xenNotes = Number(/^xen_notes=(\d+)$/m.exec(result.stdout)?.[1]);
  const xenGuest = /^xen_guest=(.*)$/m.exec(result.stdout)?.[1] ?? '';
  console.log(`xen_pv image: ${xenNotes} Xen notes, __xen_guest "${xenGuest}"`);
  assert.ok(xenNotes > 0 || /^GUEST_OS=rumprun,XEN_VER=xen-3\.0,/.test(xenGuest), `the xen_pv image carries Xen's guest information\n${result.stdout}`);
  assert.equal(/^hw_xen=(\d+)$/m.exec(result.stdout)?.[1], '0', 'the hw image is not a Xen guest');
  assert.ok((await stat(path.join(images, 'zdemo-hw.img'))).size > 0);
});

test('the hw unikernel boots under qemu and prints zlib 1.2.13 and the round trip on its serial console', { timeout: 10 * 60_000 }, async () => {
  assert.ok(images, 'needs the bake above');
  const serial = path.join(images, 'serial.log');
  // no VGA: rumprun's console then writes to COM1, which qemu keeps in a file; TCG, no KVM
  const qemu = spawn(
    'qemu-system-x86_64',
    ['-machine', 'accel=tcg', '-m', '256', '-display', 'none', '-vga', 'none', '-nic', 'none', '-no-reboot',
     '-serial', `file:${serial}`, '-kernel', path.join(images, 'zdemo-hw.img'), '-append', '{"cmdline": "zdemo"}'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let qemuErr = '';
  qemu.stderr.on('data', (chunk: Buffer) => (qemuErr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => qemu.on('close', resolve));
  qemu.on('error', (error) => (qemuErr += `${error.message} (apt-get install qemu-system-x86)`));
  const serialText = () => readFile(serial, 'utf8').catch(() => '');
  try {
    // rumprun reports main's return; progress is the console growing (TCG is slow on a busy host)
    const text = await waitFor('main() of zdemo to return on the serial console', async () => {
      const now = await serialText();
      return /=== main\(\) of .* returned \d+ ===/.test(now) ? now : qemu.exitCode !== null ? now : undefined;
    }, { stallMs: 120_000, progress: async () => (await serialText()).length, describe: async () => `${qemuErr}\n${await serialText()}` });
    process.stdout.write(text.split('\n').filter((line) => line.startsWith('zdemo:')).join('\n') + '\n');
    assert.match(text, /^zdemo: zlib 1\.2\.13: (\d+) bytes -> \d+ compressed -> \1, round trip ok\r?$/m, `${qemuErr}\n${text}`);
    assert.match(text, /=== main\(\) of .* returned 0 ===/);
  } finally {
    qemu.kill('SIGKILL');
    await exited;
  }
});
