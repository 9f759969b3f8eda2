import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import { PRIVATE_KEY_FILE, loadOrCreateRepoKey } from '../src/repo/publish/repo-signer.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';

const run = promisify(execFile);
const IDENTITY = { name: 'stubbuild test repository', email: 'repo@example.invalid' };
const RELEASE =
  'Origin: stubbuild\nLabel: stubbuild\nSuite: unstable\nCodename: sid\nSHA256:\n ' +
  'a'.repeat(64) +
  ' 12 main/binary-stubdom-amd64/Packages\n';

let dir: string;
before(async () => {
  dir = await makeTempDir('stubbuild-signer-');
});
after(async () => {
  await removeTempDir(dir);
});

async function gpgv(keyring: string, ...files: string[]) {
  return run('gpgv', ['--keyring', keyring, ...files]).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

test('gpgv verifies Release.gpg and InRelease with the exported binary public key', async () => {
  const signer = await loadOrCreateRepoKey(join(dir, 'keys-a'), IDENTITY);
  await writeFile(join(dir, 'Release'), RELEASE);
  await writeFile(join(dir, 'Release.gpg'), await signer.signDetached(RELEASE));
  await writeFile(join(dir, 'InRelease'), await signer.signClear(RELEASE));
  await writeFile(join(dir, 'key.gpg'), signer.publicKeyBinary());

  const detached = await gpgv(join(dir, 'key.gpg'), join(dir, 'Release.gpg'), join(dir, 'Release'));
  assert.equal(detached.code, 0, detached.stderr);
  assert.match(detached.stderr, /Good signature from "stubbuild test repository <repo@example\.invalid>"/);
  assert.match(detached.stderr, new RegExp(signer.fingerprint));

  const clear = await gpgv(join(dir, 'key.gpg'), join(dir, 'InRelease'));
  assert.equal(clear.code, 0, clear.stderr);

  await writeFile(join(dir, 'Release'), RELEASE.replace('sid', 'sie'));
  const tampered = await gpgv(join(dir, 'key.gpg'), join(dir, 'Release.gpg'), join(dir, 'Release'));
  assert.notEqual(tampered.code, 0);
  assert.match(tampered.stderr, /BAD signature/);
});

test('the key is a v4 EdDSA key, stored 0600, and reused on the next load', async () => {
  const keys = join(dir, 'keys-b');
  const first = await loadOrCreateRepoKey(keys, IDENTITY);
  const mode = (await stat(join(keys, PRIVATE_KEY_FILE))).mode & 0o777;
  assert.equal(mode, 0o600);
  const again = await loadOrCreateRepoKey(keys, IDENTITY);
  assert.equal(again.fingerprint, first.fingerprint);

  const pub = await openpgp.readKey({ armoredKey: first.publicKeyArmored() });
  assert.equal(pub.keyPacket.version, 4);
  assert.equal(pub.getAlgorithmInfo().algorithm, 'eddsaLegacy');
  assert.match(first.publicKeyArmored(), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  assert.doesNotMatch(await readFile(join(keys, PRIVATE_KEY_FILE), 'utf8'), /PUBLIC KEY/);
});

test('replicas starting together end up with one key', async () => {
  const keys = join(dir, 'keys-c');
  const signers = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateRepoKey(keys, IDENTITY)));
  assert.equal(new Set(signers.map((s) => s.fingerprint)).size, 1);
});
