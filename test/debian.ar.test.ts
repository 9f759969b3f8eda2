// The ar reader of src/debian reads what GNU ar and dpkg-deb write: the same members, names and
// bytes that `ar` itself lists and prints, and it refuses a broken header with its reason.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { AR_HEADER_SIZE, AR_MAGIC, parseArHeader, readArMembers } from '../src/debian/ar.ts';
import { DebianParseError } from '../src/debian/parse-error.ts';

const run = promisify(execFile);

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stubbuild-ar-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * An archive made by GNU ar (deterministic mode, no symbol index) of `members`, in order. Without
 * S, ar adds a "/" index member whenever a plugin takes some random bytes for an object (four
 * zero bytes did): a .deb never has one, and `ar t` does not list it.
 */
async function arOf(name: string, members: { name: string; data: Buffer }[]): Promise<{ path: string; bytes: Buffer }> {
  const work = await mkdtemp(join(dir, `${name}-`));
  for (const m of members) await writeFile(join(work, m.name), m.data);
  const path = join(work, 'out.a');
  await run('ar', ['rcDS', path, ...members.map((m) => m.name)], { cwd: work });
  return { path, bytes: await readFile(path) };
}

test('reads the members GNU ar wrote, as ar lists and prints them', async () => {
  const names = fc.stringMatching(/^[a-z_][a-z0-9._-]{0,14}$/).filter((n) => n !== '.' && n !== '..');
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.record({ name: names, data: fc.uint8Array({ maxLength: 300 }) }), {
        minLength: 1,
        maxLength: 5,
        selector: (m) => m.name,
      }),
      async (raw) => {
        const members = raw.map((m) => ({ name: m.name, data: Buffer.from(m.data) }));
        const { path, bytes } = await arOf('prop', members);
        const read = readArMembers(bytes);
        const { stdout } = await run('ar', ['t', path]);
        assert.deepEqual(
          read.map((m) => m.name),
          stdout.split('\n').filter((l) => l !== ''),
        );
        for (const m of read) {
          const { stdout: printed } = await run('ar', ['p', path, m.name], { encoding: 'buffer' });
          assert.ok(m.data.equals(printed), `${m.name}: bytes differ from ar p`);
        }
      },
    ),
    // The example is the archive that once came with an index member (CI's seed -1984573042).
    { numRuns: 15, examples: [[[{ name: '_', data: new Uint8Array(4) }]]] },
  );
});

test('reads a .deb as dpkg-deb built it: debian-binary, control.tar, data.tar', async () => {
  const root = join(dir, 'pkgroot');
  await run('mkdir', ['-p', join(root, 'DEBIAN'), join(root, 'usr/share/doc/ar-test')]);
  await writeFile(
    join(root, 'DEBIAN/control'),
    'Package: ar-test\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: test\n',
  );
  await writeFile(join(root, 'usr/share/doc/ar-test/README'), 'odd-sized content\n!');
  const deb = join(dir, 'ar-test.deb');
  await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, deb]);
  const members = readArMembers(await readFile(deb));
  const { stdout } = await run('ar', ['t', deb]);
  assert.deepEqual(
    members.map((m) => m.name),
    stdout.split('\n').filter((l) => l !== ''),
  );
  assert.deepEqual(
    members.map((m) => m.name),
    ['debian-binary', 'control.tar.gz', 'data.tar.gz'],
  );
  assert.equal(members[0]!.data.toString('latin1'), '2.0\n');
});

function header(fields: { name?: string; size?: string; end?: string }): Buffer {
  const h = Buffer.alloc(AR_HEADER_SIZE, ' ');
  h.write((fields.name ?? 'debian-binary/').padEnd(16), 0, 'latin1');
  h.write((fields.size ?? '4').padEnd(10), 48, 'latin1');
  h.write(fields.end ?? '`\n', 58, 'latin1');
  return h;
}

test("a header is read for its name (GNU ar's trailing slash dropped) and size", () => {
  assert.deepEqual(parseArHeader(header({ name: 'debian-binary/', size: '4' })), { name: 'debian-binary', size: 4 });
  assert.deepEqual(parseArHeader(header({ name: 'data.tar.xz', size: '1234567' })), { name: 'data.tar.xz', size: 1234567 });
});

test('a malformed header is refused with its reason', () => {
  const refused = (h: Buffer, message: string) =>
    assert.throws(
      () => parseArHeader(h),
      (err: unknown) => err instanceof DebianParseError && err.kind === 'ar' && err.message === message,
    );
  refused(header({ end: 'x\n' }), 'malformed ar member header (bad terminator)');
  refused(header({ name: 'control.tar', size: '12a' }), 'malformed ar member header for "control.tar" (bad size field)');
  refused(header({ name: 'con trol' }), 'ar member with an unprintable or empty name "con trol"');
  refused(header({ name: '/' }), 'ar member with an unprintable or empty name ""');
});

test('an archive that is not ar, or ends early, is refused', () => {
  const member = Buffer.concat([header({ name: 'a/', size: '3' }), Buffer.from('abc'), Buffer.from('\n')]);
  assert.deepEqual(
    readArMembers(Buffer.concat([AR_MAGIC, member])).map((m) => m.data.toString()),
    ['abc'],
  );
  const refused = (bytes: Buffer, message: string) =>
    assert.throws(
      () => readArMembers(bytes),
      (err: unknown) => err instanceof DebianParseError && err.message === message,
    );
  refused(Buffer.from('PK\x03\x04'), 'not an ar archive');
  refused(Buffer.concat([AR_MAGIC, member.subarray(0, 30)]), 'the archive ends inside a member header');
  refused(Buffer.concat([AR_MAGIC, member.subarray(0, AR_HEADER_SIZE + 2)]), 'the archive ends inside "a"');
  refused(Buffer.concat([AR_MAGIC, member.subarray(0, AR_HEADER_SIZE + 3)]), 'the archive ends inside the padding of its last member');
});
