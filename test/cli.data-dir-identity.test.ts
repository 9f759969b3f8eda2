// Replicas must share DATA_DIR (src/cli/data-dir-identity.ts): the first start marks the folder
// with the installation's id, and a start with a folder of another installation, or with an empty
// folder while the database lists stored source files, is refused in one line.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { checkDataDirBelongs, DATA_DIR_MARKER } from '../src/cli/data-dir-identity.ts';
import { CliError } from '../src/cli/cli-error.ts';
import { readInstallationId } from '../src/db/installation-id.ts';
import { createToken } from '../src/tokens/tokens.ts';
import { createTestDatabase } from './helpers/test-db.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let work: string;
before(async () => {
  handle = await createTestDatabase();
  work = await mkdtemp(path.join(os.tmpdir(), 'stubbuild-data-dir-identity-'));
});
after(async () => {
  await handle.close();
  await rm(work, { recursive: true, force: true });
});

const refusal = async (dataDir: string) => {
  try {
    await checkDataDirBelongs(handle.db, dataDir);
  } catch (error) {
    assert.ok(error instanceof CliError, String(error));
    return error.message;
  }
  return assert.fail('the start was not refused');
};

test('the first start marks DATA_DIR with the installation id; later starts and replicas starting together pass', async () => {
  const dataDir = path.join(work, 'shared');
  await mkdir(dataDir);
  await Promise.all([checkDataDirBelongs(handle.db, dataDir), checkDataDirBelongs(handle.db, dataDir)]);
  assert.equal((await readFile(path.join(dataDir, DATA_DIR_MARKER), 'utf8')).trim(), await readInstallationId(handle.db));
  await checkDataDirBelongs(handle.db, dataDir);
});

test("a DATA_DIR marked by another installation's database is refused, naming both", async () => {
  const dataDir = path.join(work, 'other');
  await mkdir(dataDir);
  await writeFile(path.join(dataDir, DATA_DIR_MARKER), '1f0e2d3c-0000-4000-8000-000000000000\n');
  const message = await refusal(dataDir);
  assert.match(message, /belongs to installation 1f0e2d3c-0000-4000-8000-000000000000, but the database is installation [0-9a-f-]{36}/);
});

test('an empty DATA_DIR while the database lists stored source files is refused; one that has them is marked', async () => {
  const token = await createToken(handle.db, { role: 'submit', name: 'data-dir' });
  const { id } = await handle.db
    .insertInto('jobs')
    .values({
      state: 'queued',
      origin: 'upload',
      source: 'zlib',
      version: '1:1.2.13.dfsg-1+stub1',
      suite: null,
      arch: 'stubdom-amd64',
      submitted_by: token.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await handle.db
    .insertInto('job_files')
    .values({ job_id: id, name: 'zlib_1.2.13.dfsg-1+stub1.dsc', sha256: 'a'.repeat(64), size: 1 })
    .execute();

  const empty = path.join(work, 'empty');
  await mkdir(empty);
  assert.match(await refusal(empty), /holds none of the source files the database lists/);

  const kept = path.join(work, 'kept');
  await mkdir(path.join(kept, 'files', 'sha256'), { recursive: true });
  await checkDataDirBelongs(handle.db, kept);
  assert.equal((await readFile(path.join(kept, DATA_DIR_MARKER), 'utf8')).trim(), await readInstallationId(handle.db));
});
