// The static-only packaging policy (the image's static-packaging.pl), run with perl on trees
// holding the real packaging of bookworm's tre 0.8.0-7 and libexif 0.6.24-1+deb12u1 (the
// fields and files the policy reads, as Debian has them). The corpus builds exercise it in
// the image; this shows its edits one by one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const script = path.join(import.meta.dirname, '..', 'src/builders/image-recipe/scripts/static-packaging.pl');

async function applyPolicy(files: Record<string, string>): Promise<{ out: string; read: (name: string) => string | undefined }> {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'stubbuild-static-policy-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tree, name)), { recursive: true });
    fs.writeFileSync(path.join(tree, name), text);
  }
  const { stdout } = await promisify(execFile)('perl', [script, tree]);
  const read = (name: string) => (fs.existsSync(path.join(tree, name)) ? fs.readFileSync(path.join(tree, name), 'utf8') : undefined);
  return { out: stdout, read };
}

const treControl = `Source: tre
Section: libs
Build-Depends: debhelper-compat (= 13), gettext (>= 0.18.1.1-8), locales-all

Package: libtre5
Architecture: any
Pre-Depends: \${misc:Pre-Depends}
Depends: \${misc:Depends}, \${shlibs:Depends}
Replaces: libtre4
Suggests: tre-agrep
Multi-Arch: same
Description: regexp matching library with approximate matching

Package: libtre-dev
Architecture: any
Section: libdevel
Depends: libtre5 (= \${binary:Version}), \${misc:Depends}, \${shlibs:Depends}
Description: regexp matching library with approximate matching (development)

Package: tre-agrep
Architecture: any
Section: text
Depends: \${misc:Depends}, \${shlibs:Depends}
Description: approximate grep utility based on the tre library
`;

test('a library package holding message catalogs beside its .so is a runtime package: dropped, catalogs not installed (tre)', async () => {
  const { out, read } = await applyPolicy({
    'debian/control': treControl,
    'debian/libtre5.install': 'usr/lib/*/libtre.so.*\nusr/share/locale/*\n',
    'debian/libtre-dev.install': 'usr/include\nusr/lib/*/libtre.a\nusr/lib/*/libtre.so\nusr/lib/*/pkgconfig/*\n',
    'debian/tre-agrep.install': 'usr/bin/*\nusr/share/man/*\n',
    'debian/not-installed': 'usr/lib/*/libtre.la\n',
  });
  assert.match(out, /runtime-only shared-library packages not built: libtre5$/m);
  const control = String(read('debian/control'));
  assert.match(control, /^Package: libtre5\nBuild-Profiles: <stubdom\.shared>$/m);
  assert.match(control, /^Package: libtre-dev\nArchitecture: any\nSection: libdevel\nDepends: \$\{misc:Depends\}, \$\{shlibs:Depends\}$/m);
  assert.equal(read('debian/libtre5.install'), '\n', 'its entries are all gone (debhelper skips the package anyway)');
  assert.equal(read('debian/libtre-dev.install'), 'usr/include\nusr/lib/*/libtre.a\nusr/lib/*/pkgconfig/*\n');
  assert.equal(read('debian/tre-agrep.install'), 'usr/bin/*\nusr/share/man/*\n');
  const notInstalled = String(read('debian/not-installed')).split('\n');
  assert.equal(notInstalled[0], 'usr/lib/*/libtre.la', "the package's own entries stay");
  assert.ok(notInstalled.includes('usr/share/locale'), 'catalogs a configure built anyway are not missed by dh_missing');
  assert.ok(notInstalled.includes('usr/lib/*/lib*.so*'));
});

test('catalogs first, then the .so: the package is dropped and its relation leaves the -dev package (libexif)', async () => {
  const { out, read } = await applyPolicy({
    'debian/control': `Source: libexif
Section: libs
Build-Depends: debhelper-compat (= 13), doxygen, graphviz

Package: libexif12
Architecture: any
Multi-Arch: same
Pre-Depends: \${misc:Pre-Depends}
Depends: \${shlibs:Depends}, \${misc:Depends}
Description: library to parse EXIF files

Package: libexif-dev
Section: libdevel
Architecture: any
Multi-Arch: same
Depends: libc6-dev, \${misc:Depends}, libexif12 (= \${binary:Version})
Recommends: libexif-doc (= \${binary:Version})
Description: library to parse EXIF files (development files)
`,
    'debian/libexif12.install': 'usr/share/locale\nusr/lib/*/libexif.so.*\n',
    'debian/libexif-dev.install': 'usr/lib/*/pkgconfig/*\nusr/include/libexif/*\nusr/lib/*/lib*.a\nusr/lib/*/lib*.so\n',
    'debian/not-installed': 'usr/lib/*/*.la\nusr/share/doc/libexif/ABOUT-NLS\n',
  });
  assert.match(out, /runtime-only shared-library packages not built: libexif12$/m);
  assert.match(out, /debian\/libexif12\.install: dropped the shared-object and message-catalog entries/);
  assert.equal(read('debian/libexif12.install'), '\n');
  // it lists its static archives already: no libexif.a line is added for the dropped .so
  assert.equal(read('debian/libexif-dev.install'), 'usr/lib/*/pkgconfig/*\nusr/include/libexif/*\nusr/lib/*/lib*.a\n');
  assert.match(String(read('debian/control')), /^Depends: libc6-dev, \$\{misc:Depends\}$/m);
  assert.match(String(read('debian/not-installed')), /^usr\/lib\/\*\/\*\.la\nusr\/share\/doc\/libexif\/ABOUT-NLS\n# stubdom: /);
});
