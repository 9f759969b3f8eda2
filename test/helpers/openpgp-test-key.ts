// Throwaway OpenPGP keys for tests that need signed .dsc or InRelease files.
import * as openpgp from 'openpgp';

export interface TestKey {
  /** Long key id, upper-case hex. */
  keyId: string;
  publicArmored: string;
  publicBinary: Uint8Array;
  /** The secret key, armored, unprotected: what REPO_SIGNING_KEY names. */
  secretArmored: string;
  /** Clear-signs `text` as gpg --clearsign would write it (LF line endings). */
  clearSign(text: string): Promise<string>;
}

export async function createTestKey(name = 'stubbuild test'): Promise<TestKey> {
  // v4 ed25519 "legacy", the kind gpgv 2.2 (bookworm) can read as well.
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name, email: 'test@example.invalid' }],
    subkeys: [],
    format: 'object',
    config: { v6Keys: false },
  });
  const publicKey = privateKey.toPublic();
  return {
    keyId: privateKey.getKeyID().toHex().toUpperCase(),
    publicArmored: publicKey.armor(),
    publicBinary: publicKey.write(),
    secretArmored: privateKey.armor(),
    async clearSign(text) {
      const message = await openpgp.createCleartextMessage({ text: text.replace(/\n$/, '') });
      const signed = await openpgp.sign({ message, signingKeys: privateKey });
      return signed.replace(/\r\n/g, '\n');
    },
  };
}
