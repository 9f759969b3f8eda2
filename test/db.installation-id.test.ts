// One database is one installation: its id is made once and every process reads the same.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DatabaseHandle } from '../src/db/open-database.ts';
import { readInstallationId } from '../src/db/installation-id.ts';
import { createTestDatabase } from './helpers/test-db.ts';

let handle: DatabaseHandle;
before(async () => {
  handle = await createTestDatabase();
});
after(() => handle.close());

test('processes asking at the same time on an empty database get one id, and it stays', async () => {
  const ids = await Promise.all(Array.from({ length: 8 }, () => readInstallationId(handle.db)));
  assert.equal(new Set(ids).size, 1);
  assert.match(ids[0]!, /^[0-9a-f]{8}-[0-9a-f]{4}-/);
  assert.equal(await readInstallationId(handle.db), ids[0]);
  const rows = await handle.db.selectFrom('installation').select('id').execute();
  assert.equal(rows.length, 1);
});
