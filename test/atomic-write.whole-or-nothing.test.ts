// A file written atomically is the old or the new one, whole; no temporary name stays behind.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFileOnce, TEMP_PREFIX, tempPathFor, writeFileAtomic } from '../src/atomic-write.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stubbuild-atomic-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('writeFileAtomic replaces the file and leaves only it', async () => {
  const path = join(dir, 'state.json');
  await writeFile(path, 'old');
  await writeFileAtomic(path, 'new');
  assert.equal(await readFile(path, 'utf8'), 'new');
  assert.deepEqual(await readdir(dir), ['state.json']);
  await rm(path);
});

test('createFileOnce creates with its mode, and a second creation keeps the first file', async () => {
  const path = join(dir, 'key.asc');
  await createFileOnce(path, 'first', 0o600);
  await createFileOnce(path, 'second', 0o600);
  assert.equal(await readFile(path, 'utf8'), 'first');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['key.asc']);
  await rm(path);
});

test('temporary names are beside the target, hidden and recognisable', () => {
  const tmp = tempPathFor(join(dir, 'Release'));
  assert.equal(join(tmp, '..'), dir);
  assert.match(tmp.slice(dir.length + 1), new RegExp(`^\\${TEMP_PREFIX}[0-9a-f]{12}-Release$`));
});
