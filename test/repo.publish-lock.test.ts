// One publisher at a time, and requests that arrive while one runs are served by the next
// one together. The replica test holds the Postgres advisory lock for real, so it is only
// registered when the suite runs on PostgreSQL (on PGlite there is one process: the
// in-process queue, shown by the first test, is the whole lock).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { getField, parseDeb822 } from '../src/debian/deb822.ts';
import { addPackages } from '../src/repo/filing/add-packages.ts';
import { publishPackages, publishRepository } from '../src/repo/publish/publish-repository.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { writeSyntheticDeb } from './helpers/synthetic-deb.ts';
import { createTestRepository, type TestRepository } from './helpers/test-repo.ts';
import { waitFor } from './helpers/wait-for.ts';

/** A gate the publisher's whileLocked hook can be held at. */
function gate() {
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (entered = resolve));
  return { open, opened, reached, entered };
}

let work: string;
let t: TestRepository;
let held: ReturnType<typeof gate> | undefined;
let lockedRuns = 0;

before(async () => {
  work = await makeTempDir('stubbuild-lock-');
  t = await createTestRepository(
    {},
    {
      hooks: {
        async whileLocked() {
          lockedRuns += 1;
          const g = held;
          if (g) {
            g.entered();
            await g.opened;
          }
        },
      },
    },
  );
});
after(async () => {
  // A failed assertion must not leave a publication held at the gate (close waits for it).
  held?.open();
  await t.close();
  await removeTempDir(work);
});

async function packagesListed(): Promise<string[]> {
  const text = await readFile(join(t.repo.settings.dir, 'dists/stubdom/main/binary-stubdom-amd64/Packages'), 'utf8');
  return parseDeb822(text).map((p) => getField(p, 'Package')!);
}

test('requests made while a publication runs are coalesced into the next one', async () => {
  held = gate();
  const runsBefore = lockedRuns;
  const first = publishRepository(t.db, t.repo, {});
  await held.reached;
  // Counts the requests that reach the publisher (each one right after its rows commit).
  const publisher = t.repo.publisher;
  const request = publisher.request;
  let asked = 0;
  publisher.request = (db, opts) => {
    asked += 1;
    return request.call(publisher, db, opts);
  };
  try {
    // Five uploads while the first publication is held: each commits, then asks to publish.
    const debs = await Promise.all([1, 2, 3, 4, 5].map((i) => writeSyntheticDeb(work, { name: `libcoalesce${i}`, version: '1.0-1' })));
    const waiting = debs.map((path) => publishPackages(t.db, t.repo, { debs: [{ path }] }));
    // Every request reaches the publisher before the first publication ends.
    await waitFor('all five requests to ask for a publication', () => asked === 5, { progress: () => asked, intervalMs: 10 });
    held.open();
    held = undefined;
    await first;
    const results = await Promise.all(waiting);

    assert.equal(lockedRuns - runsBefore, 2, 'one publication for the first request, one for all five others');
    const releases = new Set(results.map((r) => r.publication.releaseSha256));
    assert.equal(releases.size, 1, 'the five requests share one publication');
    for (const r of results) assert.ok(r.publication.generation >= r.generation, 'each answer shows its own change');
    const listed = await packagesListed();
    for (let i = 1; i <= 5; i++) assert.ok(listed.includes(`libcoalesce${i}`));
  } finally {
    publisher.request = request;
  }
});

test('a publication with nothing new to show writes nothing', async () => {
  const before = await readFile(join(t.repo.settings.dir, 'dists/stubdom/InRelease'));
  const outcome = await publishRepository(t.db, t.repo, {});
  assert.equal(outcome.skipped, true);
  assert.ok((await readFile(join(t.repo.settings.dir, 'dists/stubdom/InRelease'))).equals(before));
});

/** Advisory locks held or awaited in this test's database (pg_locks shows the whole server). */
function advisoryLocks() {
  return sql<{ granted: boolean }>`
    select granted from pg_locks
    where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())
    order by granted`.execute(t.db);
}

if (process.env.DATABASE_URL) {
  test('two replicas on one database: the second waits for the advisory lock, then finds its change already published', async () => {
    const replica = await t.openReplica();
    held = gate();
    const first = publishRepository(t.db, t.repo, {});
    await held.reached;
    const locks = await advisoryLocks();
    assert.deepEqual(
      locks.rows.map((r) => r.granted),
      [true],
    );

    // The second replica adds a package and asks for a publication: it must wait.
    const path = await writeSyntheticDeb(work, { name: 'libreplica1', version: '1.0-1' });
    const added = await addPackages(t.db, replica, { debs: [{ path }] });
    let settled = false;
    const second = publishRepository(t.db, replica, { generation: added.generation }).finally(() => (settled = true));
    const waiting = await waitFor(
      'the second replica to queue for the lock',
      async () => {
        const locks = await advisoryLocks();
        return locks.rows.length === 2 ? locks : undefined;
      },
      { stallMs: 5000, intervalMs: 20 },
    );
    assert.deepEqual(
      waiting.rows.map((r) => r.granted),
      [false, true],
      'one holds the lock, one waits for it',
    );
    assert.equal(settled, false);
    held.open();
    held = undefined;
    const a = await first;
    const b = await second;
    // The first replica read the contents after taking the lock, so its publication already
    // held the second replica's package; the second had nothing left to do.
    assert.ok(a.generation >= added.generation);
    assert.equal(b.skipped, true);
    assert.ok((await packagesListed()).includes('libreplica1'));
  });
}
