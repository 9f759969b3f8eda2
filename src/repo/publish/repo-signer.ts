// The repository's OpenPGP signing key and the two signatures apt reads (InRelease,
// Release.gpg). The key is a v4 EdDSA (ed25519 "legacy") key: bookworm's gpgv 2.2 cannot
// read v6 keys nor the newer Ed25519 algorithm id, so neither is used.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { createFileOnce } from '../../atomic-write.ts';

export interface RepoSigner {
  /** Upper-case hex fingerprint, for logs and for users pinning the key. */
  readonly fingerprint: string;
  /** The clear-signed Release: the InRelease file. */
  signClear(text: string): Promise<string>;
  /** An armored detached signature over the exact bytes of `text`: Release.gpg. */
  signDetached(text: string): Promise<string>;
  /** The public key, armored (serve as key.asc). */
  publicKeyArmored(): string;
  /** The public key as a binary OpenPGP keyring (serve as key.gpg; gpgv --keyring reads it). */
  publicKeyBinary(): Uint8Array;
}

export interface RepoKeyIdentity {
  name: string;
  email: string;
}

export const PRIVATE_KEY_FILE = 'repo-signing-key.asc';

const V4_ONLY = { v6Keys: false } as const;

async function generateArmoredKey(identity: RepoKeyIdentity): Promise<string> {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: identity.name, email: identity.email }],
    // A signing-only key: the generated ECDH subkey would never be used.
    subkeys: [],
    format: 'armored',
    config: V4_ONLY,
  });
  return privateKey;
}

/**
 * Creates the key file once, without ever exposing a half-written or world-readable key:
 * written 0600 under a temporary name, fsynced, then linked into place. link() fails when
 * the name exists, so when two replicas start together exactly one key wins and both use it.
 */
async function createKeyFile(path: string, identity: RepoKeyIdentity): Promise<void> {
  await createFileOnce(path, await generateArmoredKey(identity), 0o600);
}

async function readKey(path: string): Promise<openpgp.PrivateKey> {
  const armoredKey = await readFile(path, 'utf8');
  const key = await openpgp.readPrivateKey({ armoredKey });
  if (key.keyPacket.version !== 4) throw new Error(`${path} holds a v${key.keyPacket.version} key; apt's gpgv needs a v4 key`);
  if (!key.isDecrypted()) throw new Error(`${path} is passphrase-protected; the repository key is stored unencrypted (mode 0600)`);
  return key;
}

/** Loads a repository key the operator provides (an armored, unencrypted v4 secret key). */
export async function loadRepoKey(path: string): Promise<RepoSigner> {
  return signerFor(await readKey(path));
}

/** Loads the repository key from `dir`, generating it on first use. */
export async function loadOrCreateRepoKey(dir: string, identity: RepoKeyIdentity): Promise<RepoSigner> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, PRIVATE_KEY_FILE);
  let key: openpgp.PrivateKey;
  try {
    key = await readKey(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await createKeyFile(path, identity);
    key = await readKey(path);
  }
  return signerFor(key);
}

function signerFor(key: openpgp.PrivateKey): RepoSigner {
  const publicKey = key.toPublic();
  const armored = publicKey.armor();
  const binary = publicKey.write();
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    async signClear(text) {
      if (/[\r]|[ \t]$/m.test(text)) throw new Error('text to clear-sign must use LF line endings and no trailing blanks');
      // The line break before "-----BEGIN PGP SIGNATURE-----" belongs to the armor, not to
      // the text (RFC 4880 §7.1); without this, InRelease would carry an extra blank line.
      const message = await openpgp.createCleartextMessage({ text: text.replace(/\n$/, '') });
      const armored = await openpgp.sign({ message, signingKeys: key, config: V4_ONLY });
      // openpgp.js emits the signed text in its canonical CRLF form; the signature covers
      // that form whatever the line endings (RFC 4880 §7.1), so write LF as dak and gpg do.
      return armored.replace(/\r\n/g, '\n');
    },
    async signDetached(text) {
      // A binary-mode signature covers the file's exact bytes, no line-ending canonicalisation.
      const message = await openpgp.createMessage({ binary: new TextEncoder().encode(text) });
      return openpgp.sign({ message, signingKeys: key, detached: true, config: V4_ONLY });
    },
    publicKeyArmored: () => armored,
    publicKeyBinary: () => binary.slice(),
  };
}
