// OpenPGP keyrings and clear-signed text: the uploader keyring (.dsc signatures) and the
// archive keyring (InRelease) share this. openpgp.js does the cryptography; what is here is
// which keys count and how a failure is put into words.
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { DomainError } from '../domain-error.ts';

export interface Keyring {
  /** Where the keys came from, for messages and logs. */
  readonly path: string;
  readonly keys: readonly openpgp.PublicKey[];
  /** Upper-case hex fingerprints of the primary keys. */
  readonly fingerprints: readonly string[];
}

/** A keyring file that cannot be used; a configuration problem, reported at start. */
export class KeyringError extends Error {}

const ARMOR_BLOCK = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g;

/**
 * Reads every public key in a file: a binary keyring (`gpg --export`, Debian's
 * /usr/share/keyrings/*.gpg) or one or more armored blocks (`gpg --export --armor`).
 */
export async function loadKeyring(path: string): Promise<Keyring> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new KeyringError(`cannot read OpenPGP keyring ${path}: ${error.code ?? error.message}`, { cause: error });
  });
  let keys: openpgp.Key[];
  try {
    const text = bytes.toString('latin1');
    if (text.trimStart().startsWith('-----BEGIN PGP')) {
      const blocks = text.match(ARMOR_BLOCK) ?? [];
      if (blocks.length === 0) throw new Error('no "BEGIN PGP PUBLIC KEY BLOCK" armor in it');
      keys = (await Promise.all(blocks.map((armoredKeys) => openpgp.readKeys({ armoredKeys })))).flat();
    } else if (bytes.subarray(8, 12).toString('latin1') === 'KBXf') {
      throw new Error('it is a GnuPG keybox (pubring.kbx); export the keys with `gpg --export KEYID > FILE`');
    } else {
      keys = await openpgp.readKeys({ binaryKeys: new Uint8Array(bytes) });
    }
  } catch (error) {
    throw new KeyringError(`cannot read OpenPGP keyring ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (keys.length === 0) throw new KeyringError(`OpenPGP keyring ${path} holds no keys`);
  // A secret key exported by mistake is only ever used for its public half.
  const publicKeys = keys.map((key) => (key.isPrivate() ? key.toPublic() : key));
  return {
    path,
    keys: publicKeys,
    fingerprints: publicKeys.map((key) => key.getFingerprint().toUpperCase()),
  };
}

export interface VerifiedText {
  /** The signed text as openpgp.js verified it (LF line endings). */
  text: string;
  /** Long key id (hex) of the key whose signature verified. */
  signer: string;
}

/**
 * Verifies a clear-signed message against a keyring; one good signature from one of its keys
 * is enough (Debian signs InRelease with several keys, of which a keyring may know only some).
 * Throws DomainError('bad-signature') naming what was wrong; `what` names the document.
 */
export async function verifyClearsigned(text: string, keyring: Keyring, what: string): Promise<VerifiedText> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch (error) {
    throw new DomainError('bad-signature', `${what} is not an OpenPGP clear-signed message: ${(error as Error).message}`);
  }
  const result = await openpgp.verify({ message, verificationKeys: [...keyring.keys] });
  if (result.signatures.length === 0) throw new DomainError('bad-signature', `${what} carries no signature`);
  const problems: string[] = [];
  for (const signature of result.signatures) {
    const keyId = signature.keyID.toHex().toUpperCase();
    try {
      await signature.verified;
      return { text: result.data, signer: keyId };
    } catch (error) {
      const known = keyring.keys.some((key) => key.getKeys(signature.keyID).length > 0);
      problems.push(
        known
          ? `the signature by key ${keyId} does not verify (${(error as Error).message})`
          : `it is signed by key ${keyId}, which is not in ${keyring.path}`,
      );
    }
  }
  throw new DomainError('bad-signature', `${what}: bad signature: ${problems.join('; ')}`);
}
