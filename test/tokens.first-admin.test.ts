// The first admin token is made once, however many processes look for one at the same time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DatabaseHandle } from '../src/db/open-database.ts';
import { createFirstAdminToken } from '../src/tokens/first-admin-token.ts';
import { createTestDatabase } from './helpers/test-db.ts';

let handle: DatabaseHandle;
before(async () => {
  handle = await createTestDatabase();
});
after(() => handle.close());

test('of many concurrent first-admin creations on an empty database, exactly one makes a token', async () => {
  const made = await Promise.all(Array.from({ length: 8 }, () => createFirstAdminToken(handle.db)));
  assert.equal(made.filter((m) => m !== undefined).length, 1);
  const admins = await handle.db.selectFrom('api_tokens').select('id').where('role', '=', 'admin').execute();
  assert.deepEqual(
    admins.map((a) => a.id),
    made.filter((m) => m !== undefined).map((m) => m.id),
  );
  assert.equal(await createFirstAdminToken(handle.db), undefined, 'a later start makes none');
});
