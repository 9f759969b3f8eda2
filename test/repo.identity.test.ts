// What apt knows a repository by (Origin, Label, Suite, Codename) is fixed once it exists,
// and its signing key is generated on first start unless one is configured.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as openpgp from 'openpgp';
import { loadConfig } from '../src/config/config.ts';
import { getField, parseDeb822 } from '../src/debian/deb822.ts';
import { openRepository, RepositoryIdentityError, repositorySettings } from '../src/repo/repository.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { createTestDatabase } from './helpers/test-db.ts';

let handle: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;
const lock = (): 'advisory' | 'in-process' => (handle.kind === 'postgres' ? 'advisory' : 'in-process');

before(async () => {
  handle = await createTestDatabase();
  dataDir = await makeTempDir('stubbuild-identity-');
});
after(async () => {
  await handle.close();
  await removeTempDir(dataDir);
});

async function open(env: Record<string, string> = {}) {
  return openRepository(handle.db, repositorySettings(loadConfig({ DATA_DIR: dataDir, ...env })), { lock: lock() });
}

test('the first start records Origin, Label and Suite (defaults stubbuild, stubdom) and signs with a generated key', async () => {
  const repo = await open();
  await repo.close();
  const release = parseDeb822(await readFile(join(dataDir, 'repo/dists/stubdom/Release'), 'utf8'))[0]!;
  assert.equal(getField(release, 'Origin'), 'stubbuild');
  assert.equal(getField(release, 'Label'), 'stubbuild stubdom-amd64');
  assert.equal(getField(release, 'Suite'), 'stubdom');
  assert.equal(getField(release, 'Components'), 'main');
  const row = await handle.db.selectFrom('repo_suites').selectAll().executeTakeFirstOrThrow();
  assert.deepEqual(
    [row.suite, row.origin, row.label, row.codename, row.component],
    ['stubdom', 'stubbuild', 'stubbuild stubdom-amd64', 'stubdom', 'main'],
  );
  // The key lives in DATA_DIR, the public halves in the repository directory.
  const secret = await openpgp.readPrivateKey({ armoredKey: await readFile(join(dataDir, 'keys/repo-signing-key.asc'), 'utf8') });
  const published = await openpgp.readKey({ armoredKey: await readFile(join(dataDir, 'repo/key.asc'), 'utf8') });
  assert.equal(published.getFingerprint(), secret.getFingerprint());
  assert.equal(repo.signer.fingerprint, secret.getFingerprint().toUpperCase());
});

test('a second start with the same configuration keeps the key and publishes nothing new', async () => {
  const before = await readFile(join(dataDir, 'repo/dists/stubdom/InRelease'));
  const repo = await open();
  await repo.close();
  assert.ok((await readFile(join(dataDir, 'repo/dists/stubdom/InRelease'))).equals(before));
});

for (const [env, field] of [
  ['REPO_ORIGIN', 'Origin'],
  ['REPO_LABEL', 'Label'],
  ['REPO_SUITE', 'Suite'],
  ['REPO_CODENAME', 'Codename'],
] as const) {
  test(`changing ${env} once the repository exists is refused at start, naming ${field}`, async () => {
    await assert.rejects(open({ [env]: 'something-else' }), (err: unknown) => {
      assert.ok(err instanceof RepositoryIdentityError);
      assert.match(err.message, new RegExp(`${field} is "[^"]+" in the existing repository but ${env} says "something-else"`));
      assert.match(err.message, /apt refuses a repository whose Origin, Label, Suite or Codename changed/);
      return true;
    });
  });
}

test('REPO_SIGNING_KEY: the configured key signs, and is what /apt/key.asc holds', async () => {
  const other = await makeTempDir('stubbuild-identity-key-');
  try {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'operator key', email: 'ops@example.invalid' }],
      subkeys: [],
      format: 'armored',
      config: { v6Keys: false },
    });
    // A folder of its own: REPO_DIR (DATA_DIR/repo) may not lie inside the key's folder.
    await mkdir(join(other, 'operator-key'), { mode: 0o700 });
    const keyPath = join(other, 'operator-key', 'operator.asc');
    await writeFile(keyPath, privateKey, { mode: 0o600 });
    const db2 = await createTestDatabase();
    try {
      const repo = await openRepository(db2.db, repositorySettings(loadConfig({ DATA_DIR: other, REPO_SIGNING_KEY: keyPath })), {
        lock: db2.kind === 'postgres' ? 'advisory' : 'in-process',
      });
      await repo.close();
      const expected = (await openpgp.readPrivateKey({ armoredKey: privateKey })).getFingerprint().toUpperCase();
      assert.equal(repo.signer.fingerprint, expected);
      const served = await openpgp.readKey({ armoredKey: await readFile(join(other, 'repo/key.asc'), 'utf8') });
      assert.equal(served.getFingerprint().toUpperCase(), expected);
      const inRelease = await readFile(join(other, 'repo/dists/stubdom/InRelease'), 'utf8');
      const verified = await openpgp.verify({
        message: await openpgp.readCleartextMessage({ cleartextMessage: inRelease }),
        verificationKeys: served,
      });
      await verified.signatures[0]!.verified;
    } finally {
      await db2.close();
    }
  } finally {
    await removeTempDir(other);
  }
});
