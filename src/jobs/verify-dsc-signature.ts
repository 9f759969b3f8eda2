import { splitClearsigned } from '../debian/deb822.ts';
import { DebianParseError } from '../debian/parse-error.ts';
import { DomainError } from '../domain-error.ts';
import { type Keyring, verifyClearsigned } from './openpgp-keyring.ts';

// A clear signature ignores trailing blanks and the line-ending style (RFC 4880 §7.1), so the
// signed text and the parsed body are compared in that form.
function canonical(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/[ \t\r]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

/**
 * Refuses a .dsc that is not clear-signed by a key of the uploader keyring. Besides the
 * signature, the text the signature covers must be exactly what the .dsc parser reads, so
 * nothing unsigned can reach the intake through a disagreement between the two parsers.
 */
export async function verifyDscSignature(dscName: string, dscText: string, keyring: Keyring): Promise<void> {
  let body: string;
  try {
    const split = splitClearsigned(dscText);
    if (!split.signed) {
      throw new DomainError('bad-signature', `${dscName} is not signed; uploads must be clear-signed by a key of the uploader keyring`, {
        file: dscName,
      });
    }
    body = split.body;
  } catch (error) {
    if (error instanceof DebianParseError) {
      throw new DomainError('bad-signature', `${dscName}: malformed clear-signed message: ${error.message}`, { file: dscName });
    }
    throw error;
  }
  let verified: string;
  try {
    verified = (await verifyClearsigned(dscText, keyring, dscName)).text;
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(error.code, error.message, { file: dscName });
    throw error;
  }
  if (canonical(verified) !== canonical(body)) {
    throw new DomainError('bad-signature', `${dscName}: the signed text differs from the .dsc as parsed`, { file: dscName });
  }
}
