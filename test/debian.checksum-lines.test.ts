// One parser of "hash size name" lines for every list that has them. dpkg (Dpkg::Checksums) is
// the oracle for which lines are well-formed and what they say; on top of it the parser takes
// upper-case hex (a .dsc's, given back lower case) and leading or trailing blanks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { parseChecksumLine, parseChecksumLines } from '../src/debian/checksum-lines.ts';

const run = promisify(execFile);

// Reads lines from a file and prints, per line, "ok <sum> <size> <name>" or "refused". Each is
// read as a continuation line of a field value, as dpkg's control parser hands it over.
const ORACLE = `
use strict; use warnings;
use Dpkg::Checksums;
open(my $in, '<', $ARGV[0]) or die;
while (my $line = <$in>) {
  chomp $line;
  my $ck = Dpkg::Checksums->new();
  my $ok = eval { local $SIG{__WARN__} = sub {}; $ck->add_from_string('sha256', "\\n$line"); 1 };
  if (!$ok) { print "refused\\n"; next; }
  my ($file) = $ck->get_files();
  print "ok ", $ck->get_checksum($file, 'sha256'), " ", $ck->get_size($file), " $file\\n";
}
`;

async function dpkgReads(lines: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'stubbuild-checksums-'));
  try {
    const file = join(dir, 'lines');
    // dpkg's control parser has already dropped trailing blanks when the checksums are read.
    await writeFile(file, lines.map((l) => `${l.trimEnd()}\n`).join(''));
    const { stdout } = await run('perl', ['-e', ORACLE, file], { maxBuffer: 1 << 24 });
    return stdout.split('\n').filter((l) => l !== '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const hashWord = fc.oneof(hex(64), hex(63), hex(65), hex(40), fc.constantFrom('', 'zz', 'g'.repeat(64)));
const sizeWord = fc.oneof(fc.nat({ max: 1e12 }).map(String), fc.constantFrom('007', '0', '', '-1', '1.5', '1e3', 'x'));
// Names dpkg accepts (its rx_fname), and a few it does not.
const nameWord = fc.oneof(fc.stringMatching(/^[0-9a-zA-Z][-+:.,=0-9a-zA-Z_~]{1,30}$/), fc.constantFrom(''));
const gap = fc.constantFrom(' ', '  ', '\t', ' \t ');

test('a line is well-formed exactly when dpkg reads it, and says what dpkg reads', async () => {
  const lines = fc.sample(
    fc
      .tuple(fc.constantFrom('', ' ', '  '), hashWord, gap, sizeWord, gap, nameWord, fc.option(fc.tuple(gap, nameWord), { nil: undefined }))
      .map(([lead, h, g1, s, g2, n, extra]) => `${lead}${h}${g1}${s}${g2}${n}${extra ? extra.join('') : ''}`)
      .filter((l) => l.trim() !== ''),
    400,
  );
  const oracle = await dpkgReads(lines);
  assert.equal(oracle.length, lines.length);
  lines.forEach((text, i) => {
    const ours = parseChecksumLine(text, { hashLength: 64 });
    // dpkg's name rule is stricter than a line's shape: the callers check names themselves.
    const dpkgNameRule = ours.line === undefined || /^[0-9a-zA-Z][-+:.,=0-9a-zA-Z_~]+$/.test(ours.line.name);
    // dpkg keeps the size as written ("007"), as `words` does.
    const said = ours.line && dpkgNameRule ? `ok ${ours.line.hash} ${ours.words[1]} ${ours.line.name}` : 'refused';
    assert.equal(said, oracle[i], `line ${JSON.stringify(text)}`);
    if (ours.line) assert.equal(ours.line.size, Number(ours.words[1]));
  });
});

test('upper-case hex is taken and given back lower case; the size keeps its spelling in words', () => {
  const parsed = parseChecksumLine(`${'AB'.repeat(32)} 007 zlib_1.3.orig.tar.gz`, { hashLength: 64 });
  assert.deepEqual(parsed.line, { hash: 'ab'.repeat(32), size: 7, name: 'zlib_1.3.orig.tar.gz' });
  assert.deepEqual(parsed.words, ['AB'.repeat(32), '007', 'zlib_1.3.orig.tar.gz']);
});

test('each problem is named, with the name word when the line has one', () => {
  assert.deepEqual(parseChecksumLine('abc 12'), { problem: 'not-three-words' });
  assert.deepEqual(parseChecksumLine('abc 12 a b'), { problem: 'not-three-words' });
  assert.deepEqual(parseChecksumLine('xyz 12 a.dsc'), { problem: 'bad-hash', name: 'a.dsc' });
  assert.deepEqual(parseChecksumLine('abc 12 a.dsc', { hashLength: 64 }), { problem: 'bad-hash', name: 'a.dsc' });
  assert.deepEqual(parseChecksumLine('abc 1.5 a.dsc'), { problem: 'bad-size', name: 'a.dsc' });
  assert.deepEqual(parseChecksumLine('abc 99999999999999999999 a.dsc'), { problem: 'bad-size', name: 'a.dsc' });
});

test('words after the name are ignored only when asked (a Release, as apt reads it)', () => {
  assert.equal(parseChecksumLine('abc 12 a.dsc extra').problem, 'not-three-words');
  assert.deepEqual(parseChecksumLine('abc 12 a.dsc extra', { ignoreExtraWords: true }).line, { hash: 'abc', size: 12, name: 'a.dsc' });
});

test('a field value is read line by line, blank lines skipped', () => {
  const value = `\n abc 1 a.dsc\n\n  def 2 b.tar.xz\nbroken\n`;
  assert.deepEqual(
    parseChecksumLines(value).map(({ text, parsed }) => [text, parsed.line?.name ?? parsed.problem]),
    [
      [' abc 1 a.dsc', 'a.dsc'],
      ['  def 2 b.tar.xz', 'b.tar.xz'],
      ['broken', 'not-three-words'],
    ],
  );
});
