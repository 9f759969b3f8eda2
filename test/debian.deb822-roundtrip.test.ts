// deb822 documents survive parse -> format -> parse, canonical text is reproduced byte for
// byte, and no input makes the parser throw anything but DebianParseError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDeb822, getField, parseDeb822, requireField, splitClearsigned, type Paragraph } from '../src/debian/deb822.ts';
import { DebianParseError } from '../src/debian/parse-error.ts';

const isParseError = (kind: string, line?: number) => (error: unknown) =>
  error instanceof DebianParseError && error.kind === kind && (line === undefined || error.line === line);

// Field names: printable ASCII without space and colon, not starting with '#' or '-'.
const nameChars = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => c !== ':');
const fieldName = fc
  .tuple(fc.constantFrom(...nameChars.filter((c) => c !== '#' && c !== '-')), fc.array(fc.constantFrom(...nameChars), { maxLength: 12 }))
  .map(([first, rest]) => first + rest.join(''));
const lineText = fc
  .string({
    unit: fc.oneof(fc.constantFrom(' ', '\t', '.', '#', ':', '-', 'é', '\u00a0'), fc.string({ minLength: 1, maxLength: 1 })),
    maxLength: 30,
  })
  .map((s) => s.replace(/\n/g, ''));
const firstLine = lineText.map((s) => s.trim());
const continuation = fc.oneof(
  fc.constant('.'),
  lineText.map((s) => s.trimEnd()).filter((s) => s.trim() !== ''),
);
const value = fc.tuple(firstLine, fc.array(continuation, { maxLength: 4 })).map(([first, rest]) => [first, ...rest].join('\n'));
const paragraph = fc
  .uniqueArray(
    // Plain objects: fc.record builds null-prototype ones, which deepEqual tells apart.
    fc.tuple(fieldName, value).map(([name, v]) => ({ name, value: v })),
    { minLength: 1, maxLength: 6, selector: (f) => f.name.toLowerCase() },
  )
  .map((fields): Paragraph => ({ fields }));
const documentArb = fc.array(paragraph, { maxLength: 4 });

// Written independently of formatDeb822, so the test checks the format, not just symmetry.
function writeCanonical(paragraphs: Paragraph[]): string {
  return paragraphs
    .map((p) =>
      p.fields
        .map(({ name, value: v }) => {
          const [first = '', ...rest] = v.split('\n');
          return (first === '' ? `${name}:` : `${name}: ${first}`) + rest.map((l) => `\n ${l}`).join('') + '\n';
        })
        .join(''),
    )
    .join('\n');
}

test('canonical documents parse to their fields and format back byte for byte', () => {
  fc.assert(
    fc.property(documentArb, (doc) => {
      const text = writeCanonical(doc);
      const parsed = parseDeb822(text);
      assert.deepEqual(parsed, doc);
      assert.equal(formatDeb822(parsed), text);
    }),
    { numRuns: 1000 },
  );
});

// Non-canonical spellings: comments, tab continuations, trailing blanks, CRLF, extra blank lines.
const noisyDocument = documentArb.chain((doc) =>
  fc.array(fc.constantFrom('tab', 'crlf', 'comment', 'blank', 'trailing'), { maxLength: 5 }).map((noise) => {
    let text = writeCanonical(doc);
    if (noise.includes('tab')) text = text.replace(/\n /g, '\n\t');
    if (noise.includes('trailing')) text = text.replace(/\n/g, '  \n');
    if (noise.includes('comment')) text = '# leading comment\n' + text.replace(/\n(?=[ \t])/g, '\n# between continuation lines\n');
    if (noise.includes('blank')) text = '\n \n' + text.replace(/\n\n/g, '\n\t\n\n') + '\n\n';
    if (noise.includes('crlf')) text = text.replace(/\n/g, '\r\n');
    return { doc, text };
  }),
);

test('non-canonical spellings parse to the same fields, and parse(format(parse(x))) equals parse(x)', () => {
  fc.assert(
    fc.property(noisyDocument, ({ doc, text }) => {
      const parsed = parseDeb822(text);
      assert.deepEqual(parsed, doc);
      assert.deepEqual(parseDeb822(formatDeb822(parsed)), parsed);
    }),
    { numRuns: 1000 },
  );
});

test('a description with " ." lines and deeper indentation keeps them', () => {
  const text = 'Package: zlib1g\nDescription: compression library\n This is a library.\n .\n   * indented item\n .\n Last line.\n';
  const [p] = parseDeb822(text);
  assert.ok(p);
  assert.equal(getField(p, 'description'), 'compression library\nThis is a library.\n.\n  * indented item\n.\nLast line.');
  assert.equal(formatDeb822([p]), text);
});

test('field names are case-insensitive for lookup and for duplicates', () => {
  const [p] = parseDeb822('Source: foo\nChecksums-Sha256:\n abc 1 foo.dsc\n');
  assert.ok(p);
  assert.equal(getField(p, 'SOURCE'), 'foo');
  assert.equal(getField(p, 'checksums-sha256'), '\nabc 1 foo.dsc');
  assert.equal(getField(p, 'Binary'), undefined);
  assert.throws(
    () => requireField(p, 'Version'),
    (e: unknown) => isParseError('deb822')(e) && /Version/.test((e as Error).message),
  );
  assert.throws(() => parseDeb822('Source: a\nsource: b\n'), isParseError('deb822', 2));
});

test('malformed documents are DebianParseError with the offending line', () => {
  const cases: ReadonlyArray<[string, number]> = [
    [' continuation first\n', 1],
    ['A: b\n\n continuation after a blank line\n', 3],
    ['A: b\nno colon here\n', 2],
    ['-A: b\n', 1],
    ['A B: c\n', 1],
    [': empty name\n', 1],
    ['A: b\nA: c\n', 2],
    ['Ä: b\n', 1],
  ];
  for (const [text, line] of cases) assert.throws(() => parseDeb822(text), isParseError('deb822', line), JSON.stringify(text));
});

test('formatDeb822 refuses values it could not write back faithfully', () => {
  for (const fields of [
    [{ name: 'A', value: 'x\n\ny' }],
    [{ name: 'A', value: ' x' }],
    [{ name: 'A', value: 'x\ny ' }],
    [{ name: 'A:B', value: 'x' }],
    [
      { name: 'A', value: 'x' },
      { name: 'a', value: 'y' },
    ],
    [],
  ]) {
    assert.throws(() => formatDeb822([{ fields }]), isParseError('deb822'), JSON.stringify(fields));
  }
});

// Line-shaped fuzz: parsers usually break on structure, not on random bytes.
const lineish = fc
  .array(
    fc.oneof(
      fc.constantFrom('A: b', 'a: c', ' cont', '\tcont', ' .', '#c', '', ' ', '-x: y', ':', 'x', '\r'),
      fc.constantFrom(
        '-----BEGIN PGP SIGNED MESSAGE-----',
        'Hash: SHA256',
        '-----BEGIN PGP SIGNATURE-----',
        '-----END PGP SIGNATURE-----',
        '- A: b',
        '- -x',
      ),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 14 },
  )
  .map((lines) => lines.join('\n'));

test('arbitrary input only ever raises DebianParseError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), lineish), (text) => {
      for (const f of [() => parseDeb822(text), () => splitClearsigned(text), () => formatDeb822(parseDeb822(text))]) {
        try {
          f();
        } catch (error) {
          assert.ok(error instanceof DebianParseError, `${String(error)} for ${JSON.stringify(text)}`);
        }
      }
    }),
    { numRuns: 3000 },
  );
});

const SIGNED = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Format: 3.0 (native)
Source: hello
- -not-a-field-but-escaped: ok
Description: x
 .
-----BEGIN PGP SIGNATURE-----

iQEzBAEBCgAdFiEEexample==
=abcd
-----END PGP SIGNATURE-----
`;

test('splitClearsigned strips the wrapper and undoes dash-escaping', () => {
  const { body, signed } = splitClearsigned(SIGNED);
  assert.equal(signed, true);
  assert.equal(body, 'Format: 3.0 (native)\nSource: hello\n-not-a-field-but-escaped: ok\nDescription: x\n .\n');
  assert.deepEqual(splitClearsigned('Source: hello\n'), { body: 'Source: hello\n', signed: false });
  // CRLF framing, as produced on some systems, is still recognised.
  assert.equal(splitClearsigned(SIGNED.replace(/\n/g, '\r\n')).signed, true);
});

test('a malformed clear-signed wrapper is a DebianParseError', () => {
  const broken = {
    'no signature': SIGNED.slice(0, SIGNED.indexOf('-----BEGIN PGP SIGNATURE-----')),
    'unterminated signature': SIGNED.replace('-----END PGP SIGNATURE-----\n', ''),
    'no blank line after the armor headers': SIGNED.replace('Hash: SHA512\n\n', 'Hash: SHA512\n'),
    'text after the signature': SIGNED + 'Source: evil\n',
    'text before the message': 'Source: evil\n' + SIGNED,
    'unescaped dash line': SIGNED.replace('- -not', '-not'),
    'signature without a signed message': 'Source: a\n-----BEGIN PGP SIGNATURE-----\nx\n-----END PGP SIGNATURE-----\n',
    'second signed message inside the body': SIGNED.replace('Source: hello\n', 'Source: hello\n-----BEGIN PGP SIGNED MESSAGE-----\n'),
  };
  for (const [what, text] of Object.entries(broken)) {
    assert.throws(() => splitClearsigned(text), isParseError('deb822'), what);
  }
});
