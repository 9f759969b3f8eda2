// Test files and benchmarks make throwaway databases on the PostgreSQL server
// (test/helpers/server-database.ts); a killed run leaves its databases behind, and the next
// run drops them, but never those of a process still running.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import pg from 'pg';
import { createServerDatabase, dropLeftoverDatabases, dropServerDatabase } from './helpers/server-database.ts';

const serverUrl = process.env.DATABASE_URL;

async function exists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

if (serverUrl) {
  test("a dead process's databases are dropped, a running one's are left alone", async () => {
    // A pid that was a process a moment ago and is not any more.
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    const prefix = `stubbuild_leftover_${process.pid}_`;
    const dead = `${prefix}${gone}_abc`;
    const alive = `${prefix}${process.pid}_abc`;
    const url = await createServerDatabase(serverUrl, dead);
    assert.match(url, new RegExp(`/${dead}$`));
    await createServerDatabase(serverUrl, alive);
    try {
      assert.deepEqual(await dropLeftoverDatabases(serverUrl, prefix), [dead]);
      assert.equal(await exists(dead), false);
      assert.equal(await exists(alive), true);
      assert.deepEqual(await dropLeftoverDatabases(serverUrl, prefix, { all: true }), [alive]);
      assert.equal(await exists(alive), false);
    } finally {
      await dropServerDatabase(serverUrl, dead);
      await dropServerDatabase(serverUrl, alive);
    }
  });

  test('a name that is not one of ours is refused before it reaches the server', async () => {
    await assert.rejects(createServerDatabase(serverUrl, 'x; drop database stubbuild'), /not a database name for tests/);
  });
}
