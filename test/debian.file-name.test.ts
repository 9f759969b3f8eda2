// checkUploadFileName refuses every name that could escape a directory or hide in a log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkUploadFileName } from '../src/debian/file-name.ts';

test('ordinary Debian file names are accepted', () => {
  for (const name of [
    'hello_1.0-1.dsc',
    'hello_1.0.orig.tar.gz',
    'hello_1:1.0~rc1-2_stubdom-amd64.deb', // an epoch is legal in a name, if unusual
    'libz1_1.2.13.dfsg-1+b1_stubdom-amd64.buildinfo',
    'a',
    'x'.repeat(255),
    'é'.repeat(127), // 254 bytes in UTF-8
  ]) {
    assert.equal(checkUploadFileName(name), undefined, name);
  }
});

test('unsafe names get a reason', () => {
  const cases: ReadonlyArray<[string, RegExp]> = [
    ['', /empty/],
    ['.', /directory/],
    ['..', /directory/],
    ['../etc/passwd', /separator/],
    ['a/b.dsc', /separator/],
    ['a\\b.dsc', /separator/],
    ['/abs.dsc', /separator/],
    ['foo..bar', /"\.\."/],
    ['hello.dsc..', /"\.\."/],
    ['.hidden.dsc', /starts with a dot/],
    ['nul\0.dsc', /control/],
    ['tab\t.dsc', /control/],
    ['newline\n.dsc', /control/],
    ['esc\x1b[31m.dsc', /control/],
    ['del\x7f.dsc', /control/],
    ['c1\u0085.dsc', /control/],
    ['lone\ud800.dsc', /Unicode/],
    ['x'.repeat(256), /255 bytes/],
    ['é'.repeat(128), /255 bytes/], // 128 characters but 256 bytes
  ];
  for (const [name, reason] of cases) {
    const got = checkUploadFileName(name);
    assert.ok(got !== undefined && reason.test(got), `${JSON.stringify(name)}: ${got}`);
  }
});

test('an accepted name never contains a separator, "..", a control character or a leading dot', () => {
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.oneof(
          fc.constantFrom('.', '/', '\\', '\0', '\n', 'a', '-', '_'),
          fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        ),
        maxLength: 300,
      }),
      (name) => {
        if (checkUploadFileName(name) !== undefined) return;
        assert.ok(name.length > 0 && !name.startsWith('.') && !name.includes('..'));
        assert.ok(!/[/\\\p{Cc}]/u.test(name));
        assert.ok(Buffer.byteLength(name) <= 255);
      },
    ),
    { numRuns: 3000 },
  );
});
